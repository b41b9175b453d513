package io.gpki.gateway.ocsp;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.Revocation;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Third stage: asks the authoritative store for each certificate's state and hands the states to
 * the live signer. A certificate the store does not hold under the issuer key the CertID names is
 * {@code unknown}; a store that does not answer in time, or whose circuit is open, gives {@code
 * tryLater} (never {@code good}).
 */
final class RepositoryStatusSource implements StatusSource {

  private static final Logger LOG = LoggerFactory.getLogger(RepositoryStatusSource.class);

  private final CertificateLookup store;
  private final Duration timeout;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final StatusSource next;

  /**
   * @param breaker circuit breaker {@code ocsp-repository}
   * @param bulkhead bounds concurrent store lookups (random serials must not flood the database)
   */
  RepositoryStatusSource(
      CertificateLookup store,
      Duration timeout,
      CircuitBreaker breaker,
      Bulkhead bulkhead,
      StatusSource next) {
    this.store = store;
    this.timeout = timeout;
    this.breaker = breaker;
    this.bulkhead = bulkhead;
    this.next = next;
  }

  @Override
  public Mono<OcspResult> answer(OcspQuery query) {
    return Flux.fromIterable(query.targets())
        .concatMap(this::state)
        .collectList()
        .timeout(timeout)
        .transformDeferred(CircuitBreakerOperator.of(breaker))
        .transformDeferred(BulkheadOperator.of(bulkhead))
        .map(Optional::of)
        .onErrorResume(
            e -> {
              LOG.debug("ocsp repository lookup failed: {}", e.toString());
              return Mono.just(Optional.empty());
            })
        .flatMap(
            states ->
                states.isPresent()
                    ? next.answer(query.withStates(states.get()))
                    : Mono.just(new OcspResult.Refused(OcspStatus.TRY_LATER, "store unavailable")));
  }

  /** The authoritative state of one certificate, within the timeout and circuit breaker. */
  Mono<CertState> lookup(Target t) {
    return state(t)
        .timeout(timeout)
        .transformDeferred(CircuitBreakerOperator.of(breaker))
        .transformDeferred(BulkheadOperator.of(bulkhead));
  }

  private Mono<CertState> state(Target t) {
    return store
        .find(t.issuer().caId(), t.serial().toString(16))
        .map(record -> state(t, record))
        .defaultIfEmpty(CertState.UNKNOWN);
  }

  /** The state of a stored certificate for a target. */
  static CertState state(Target t, CertificateRecord record) {
    if (record.issuerGeneration() != t.issuer().generation()) {
      // The same serial under another key generation of the CA is not the certificate asked about.
      return CertState.UNKNOWN;
    }
    Revocation r = record.revocation();
    return r == null ? CertState.GOOD : new CertState.Revoked(r.revokedAt(), r.reason());
  }
}
