package io.gpki.gateway.ocsp;

/** What the chain answers: a signed response, or a refusal with an unsigned OCSP status. */
public sealed interface OcspResult {

  /** Where a signed answer came from (a metric label). */
  enum Origin {
    /** Signed ahead of time; the request signed nothing. */
    PRESIGNED,
    /** Signed for this request, within the live signing budget. */
    LIVE
  }

  /**
   * A successful, signed answer.
   *
   * @param response the response
   * @param origin where it came from
   */
  record Answered(SignedResponse response, Origin origin) implements OcspResult {}

  /**
   * An unsigned status answer.
   *
   * @param status the status
   * @param why a short reason for the log
   */
  record Refused(OcspStatus status, String why) implements OcspResult {}
}
