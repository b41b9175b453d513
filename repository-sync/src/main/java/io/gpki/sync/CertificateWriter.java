package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Write port: stores issued certificates. Every write appends to the change log. */
public interface CertificateWriter {

  /**
   * Stores an issued certificate. Errors with {@link StoreException.Conflict} when the serial is
   * already used by the issuer (serials are unique per CA, enforced by the database).
   */
  Mono<CertificateRecord> store(CertificateRecord certificate);
}
