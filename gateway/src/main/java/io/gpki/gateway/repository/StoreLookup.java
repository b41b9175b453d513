package io.gpki.gateway.repository;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateSearch;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The RFC 4387 certificate store's second stage: the database's {@code certificate_lookup} keys,
 * which cover every stored certificate (the snapshot holds only CA and labelled end-entity
 * certificates, so it cannot answer for the rest). At most {@code max-results + 1} rows are read,
 * within a timeout, a bulkhead and the circuit breaker {@code rfc4387-store}.
 */
final class StoreLookup {

  private static final Logger LOG = LoggerFactory.getLogger(StoreLookup.class);

  /** Name of the Resilience4j policies. */
  static final String POLICY = "rfc4387-store";

  private final CertificateSearch search;
  private final PublishedResponder responder;
  private final int maxResults;
  private final Duration timeout;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;

  /**
   * @param maxConcurrent store lookups in flight at once; more get a fast 503
   */
  StoreLookup(
      CertificateSearch search,
      PublishedResponder responder,
      int maxResults,
      Duration timeout,
      int maxConcurrent) {
    this.search = search;
    this.responder = responder;
    this.maxResults = maxResults;
    this.timeout = timeout;
    this.breaker = CircuitBreaker.ofDefaults(POLICY);
    this.bulkhead =
        Bulkhead.of(
            POLICY,
            BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrent)
                .maxWaitDuration(Duration.ZERO)
                .build());
  }

  /**
   * Whether the snapshot's answer is not the whole answer: it has none (the certificate may be an
   * unlabelled end-entity one), or an unlabelled end-entity certificate shares the key.
   */
  static boolean needsStore(
      LookupIndex lookups, Rfc4387Handler.Query q, @Nullable Published snapshotHit) {
    return snapshotHit == null || lookups.shared(q.attribute(), q.value());
  }

  /**
   * The store's answer; the snapshot's when the store has no rows for it (lookup keys not
   * backfilled yet) or fails.
   */
  Mono<ServerResponse> answer(
      ServerRequest request, Rfc4387Handler.Query q, @Nullable Published snapshotHit) {
    String path = request.path();
    return search
        .find(q.attribute().toLowerCase(Locale.ROOT), q.value(), maxResults + 1)
        .collectList()
        .timeout(timeout)
        .transformDeferred(CircuitBreakerOperator.of(breaker))
        .transformDeferred(BulkheadOperator.of(bulkhead))
        .flatMap(hits -> render(request, q, hits, snapshotHit))
        .onErrorResume(
            e -> {
              LOG.debug("rfc4387 store lookup failed: {}", e.toString());
              return snapshotHit != null
                  ? responder.respond(request, snapshotHit)
                  : Problems.response(
                      ErrorType.SERVICE_UNAVAILABLE,
                      "the certificate store cannot be searched right now; retry after the Retry-After delay",
                      path);
            });
  }

  private Mono<ServerResponse> render(
      ServerRequest request,
      Rfc4387Handler.Query q,
      List<CertificateRecord> hits,
      @Nullable Published snapshotHit) {
    if (hits.size() > maxResults) {
      return Problems.response(
          ErrorType.BAD_REQUEST,
          "more than "
              + maxResults
              + " certificates match "
              + q.attribute()
              + "; more than the result limit, use a narrower attribute",
          request.path());
    }
    if (hits.isEmpty()) {
      return snapshotHit != null
          ? responder.respond(request, snapshotHit)
          : Problems.response(
              ErrorType.NOT_FOUND, "no certificates match " + q.attribute(), request.path());
    }
    return responder.respond(request, LookupIndexBuilder.certificates(hits));
  }
}
