package io.gpki.sync;

import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Issued certificates and their revocation. Every write appends to the change log. */
public interface CertificateStore {

  /**
   * Stores an issued certificate. Errors with {@link StoreException.Conflict} when the serial is
   * already used by the issuer (serials are unique per CA, enforced by the database).
   */
  Mono<CertificateRecord> store(CertificateRecord certificate);

  /** Revokes a certificate; a second revocation of the same certificate keeps the first. */
  Mono<CertificateRecord> revoke(String issuerCaId, String serialHex, Revocation revocation);

  /** One certificate by issuer and serial, or empty. */
  Mono<CertificateRecord> find(String issuerCaId, String serialHex);

  /** Whether the issuer has already used the serial. */
  Mono<Boolean> serialExists(String issuerCaId, String serialHex);

  /**
   * Revoked certificates of the issuer that are still unexpired at {@code at}: CA certificates when
   * {@code ca} (the ARL's scope) or end-entity certificates otherwise (the CRL's scope).
   */
  Flux<CertificateRecord> revokedUnexpired(String issuerCaId, boolean ca, Instant at);

  /**
   * The CRL entries of {@link #revokedUnexpired}: serial and revocation only, streamed in the order
   * the certificates were stored. Stores with many revocations override this with a narrow query.
   */
  default Flux<RevokedEntry> revokedEntries(String issuerCaId, boolean ca, Instant at) {
    return revokedUnexpired(issuerCaId, ca, at)
        .map(c -> new RevokedEntry(c.serialHex(), java.util.Objects.requireNonNull(c.revocation())));
  }
}
