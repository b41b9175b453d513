package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Write port: revokes stored certificates. Every write appends to the change log. */
public interface RevocationWriter {

  /** Revokes a certificate; a second revocation of the same certificate keeps the first. */
  Mono<CertificateRecord> revoke(String issuerCaId, String serialHex, Revocation revocation);
}
