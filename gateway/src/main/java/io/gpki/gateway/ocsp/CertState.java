package io.gpki.gateway.ocsp;

import java.time.Instant;

/** The status of one certificate as the authoritative store tells it. */
public sealed interface CertState {

  /** Issued by us and not revoked. */
  record Good() implements CertState {}

  /**
   * Revoked.
   *
   * @param revokedAt the revocation time
   * @param reason RFC 5280 CRLReason code
   */
  record Revoked(Instant revokedAt, int reason) implements CertState {}

  /** Not a certificate we know under this issuer key. */
  record Unknown() implements CertState {}

  /** The shared {@link Good} value. */
  CertState GOOD = new Good();

  /** The shared {@link Unknown} value. */
  CertState UNKNOWN = new Unknown();
}
