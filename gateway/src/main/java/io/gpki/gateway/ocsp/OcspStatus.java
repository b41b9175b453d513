package io.gpki.gateway.ocsp;

import io.gpki.signer.OcspErrorResponse;

/**
 * The non-successful OCSPResponseStatus values we send (RFC 6960 4.2.1), with their metric labels.
 * The pre-encoded responses come from signer-adapter ({@link OcspErrorResponse}): they carry no
 * signature and never vary.
 */
public enum OcspStatus {
  /** Illegal confirmation request: not DER, bad nonce, too many certificates, ... */
  MALFORMED_REQUEST(OcspErrorResponse.MALFORMED_REQUEST, "malformedRequest"),
  /** Internal error in issuer. */
  INTERNAL_ERROR(OcspErrorResponse.INTERNAL_ERROR, "internalError"),
  /** Try again later: saturated, store or signer unavailable, timed out, starting up. */
  TRY_LATER(OcspErrorResponse.TRY_LATER, "tryLater"),
  /** Request unauthorized: an issuer we are not authoritative for. */
  UNAUTHORIZED(OcspErrorResponse.UNAUTHORIZED, "unauthorized");

  private final int code;
  private final String label;

  @SuppressWarnings(
      "ImmutableEnumChecker") // private; handed out only as copies or read-only buffers
  private final byte[] encoded;

  OcspStatus(OcspErrorResponse response, String label) {
    this.code = response.code();
    this.label = label;
    this.encoded = response.encoded();
  }

  /** The ENUMERATED value. */
  public int code() {
    return code;
  }

  /** The RFC 6960 name, also the metric label. */
  public String label() {
    return label;
  }

  /** The complete DER response. A copy: callers may not change the shared bytes. */
  public byte[] encoded() {
    return encoded.clone();
  }

  /** The shared DER response, for the HTTP writer only (never modified). */
  byte[] sharedEncoded() {
    return encoded;
  }
}
