package io.gpki.sync;

import java.time.Instant;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Read port: issued certificates and their revocation state, by issuer and serial. Holds no write,
 * so the read tier (repository, OCSP, validation) can be given it on a node that must not write.
 * (Not to be confused with the RFC 4387 search, {@link CertificateSearch}.)
 */
public interface CertificateLookup {

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
        .map(
            c -> new RevokedEntry(c.serialHex(), java.util.Objects.requireNonNull(c.revocation())));
  }
}
