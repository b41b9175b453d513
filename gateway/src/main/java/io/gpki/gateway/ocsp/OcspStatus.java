package io.gpki.gateway.ocsp;

/**
 * The non-successful OCSPResponseStatus values we send (RFC 6960 4.2.1), each pre-encoded: these
 * answers carry no signature and never vary.
 */
public enum OcspStatus {
  /** Illegal confirmation request: not DER, bad nonce, too many certificates, ... */
  MALFORMED_REQUEST(1, "malformedRequest"),
  /** Internal error in issuer. */
  INTERNAL_ERROR(2, "internalError"),
  /** Try again later: saturated, store or signer unavailable, timed out, starting up. */
  TRY_LATER(3, "tryLater"),
  /** Request unauthorized: an issuer we are not authoritative for. */
  UNAUTHORIZED(6, "unauthorized");

  private final int code;
  private final String label;
  private final byte[] encoded;

  OcspStatus(int code, String label) {
    this.code = code;
    this.label = label;
    // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } with no responseBytes.
    this.encoded = new byte[] {0x30, 0x03, 0x0a, 0x01, (byte) code};
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
