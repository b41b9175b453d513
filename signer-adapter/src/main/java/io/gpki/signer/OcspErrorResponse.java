package io.gpki.signer;

import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;

/**
 * The unsuccessful OCSPResponseStatus values a responder sends (RFC 6960 4.2.1), each encoded once:
 * {@code OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED }} without responseBytes, so they
 * carry no signature and never vary.
 */
public enum OcspErrorResponse {
  /** Illegal confirmation request. */
  MALFORMED_REQUEST(OCSPResponseStatus.MALFORMED_REQUEST),
  /** Internal error in issuer. */
  INTERNAL_ERROR(OCSPResponseStatus.INTERNAL_ERROR),
  /** Try again later. */
  TRY_LATER(OCSPResponseStatus.TRY_LATER),
  /** Request unauthorized. */
  UNAUTHORIZED(OCSPResponseStatus.UNAUTHORIZED);

  private final int code;

  @SuppressWarnings("ImmutableEnumChecker") // private; handed out only as copies
  private final byte[] encoded;

  OcspErrorResponse(int code) {
    this.code = code;
    this.encoded = OcspResponseBuilder.der(new OCSPResponse(new OCSPResponseStatus(code), null));
  }

  /** The ENUMERATED value. */
  public int code() {
    return code;
  }

  /** The complete DER response. A copy: callers may not change the shared bytes. */
  public byte[] encoded() {
    return encoded.clone();
  }
}
