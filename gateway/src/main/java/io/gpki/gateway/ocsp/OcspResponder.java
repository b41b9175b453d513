package io.gpki.gateway.ocsp;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.gpki.gateway.PublicationHold;
import io.gpki.gateway.validation.OwnOcsp;
import io.gpki.gateway.web.FastPath;
import io.gpki.signer.CaSigner;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateStatusReader;
import io.gpki.sync.ChangeLogReader;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The OCSP responder (RFC 6960, RFC 5019 profile) for our CAs: routes, the status-source chain
 * (request filter, pre-signed cache, repository, live signer) and the pre-signer that keeps the
 * cache current. Built once by the configuration; {@link #start} after the server listens.
 */
public final class OcspResponder implements AutoCloseable {

  private final OcspProperties props;
  private final AtomicReference<IssuerDirectory> directory =
      new AtomicReference<>(IssuerDirectory.NOT_LOADED);
  private final PresignedCache cache;
  private final RequestFilter filter;
  private final StatusSource chain;
  private final Presigner presigner;
  private final OcspHandler handler;
  private final Clock clock;
  private final Disposable.Swap running = Disposables.swap();

  /**
   * The store's read ports the responder uses; it holds no writer.
   *
   * @param certificates the authoritative status of one certificate (the repository stage)
   * @param cas CAs and key generations (the issuers the responder answers for)
   * @param statuses every certificate's status at one change-log position (the index at start)
   * @param changeLog what changed since (the index follows it)
   */
  public record StorePorts(
      CertificateLookup certificates,
      CaLookup cas,
      CertificateStatusReader statuses,
      ChangeLogReader changeLog) {}

  private OcspResponder(
      OcspProperties props,
      CaSigner signer,
      StorePorts store,
      ResponderCertificates responderCertificates,
      Function<String, String> keySourceOfCa,
      Clock clock,
      MeterRegistry meters,
      PublicationHold hold) {
    this.props = props;
    this.clock = clock;
    ResponseSigner responseSigner = new ResponseSigner(signer);
    StatusSource live =
        new LiveSigner(
            responseSigner,
            clock,
            props.validity(),
            props.liveSigningTimeout(),
            Bulkhead.of(
                "ocsp-live-signer",
                BulkheadConfig.custom()
                    .maxConcurrentCalls(props.liveSigningConcurrency())
                    .maxWaitDuration(Duration.ZERO)
                    .build()));
    RepositoryStatusSource repository =
        new RepositoryStatusSource(
            store.certificates(),
            props.repositoryTimeout(),
            CircuitBreaker.of(
                "ocsp-repository",
                CircuitBreakerConfig.custom()
                    .failureRateThreshold(50)
                    .slidingWindow(20, 10, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .waitDurationInOpenState(Duration.ofSeconds(5))
                    .build()),
            Bulkhead.of(
                "ocsp-repository",
                BulkheadConfig.custom()
                    .maxConcurrentCalls(props.repositoryConcurrency())
                    .maxWaitDuration(Duration.ZERO)
                    .build()),
            live);
    this.cache =
        new PresignedCache(
            clock, props.minRemaining(), props.maxStaleness(), repository::lookup, repository);
    this.filter = new RequestFilter(directory::get, props.maxCertificates(), cache);
    this.chain = filter;
    Responders responders =
        new Responders(
            signer,
            store.cas(),
            responderCertificates,
            keySourceOfCa,
            clock,
            props.responderValidity(),
            props.responderRenewBefore());
    this.presigner =
        new Presigner(
            new CertificateIndex(store.statuses(), store.changeLog()),
            responders,
            cache,
            responseSigner,
            directory,
            clock,
            props.validity(),
            props.period(),
            props.presignConcurrency(),
            hold);
    this.handler = new OcspHandler(chain, clock, props, meters);
  }

  /** Builds the responder; nothing runs until {@link #start}. */
  public static OcspResponder create(
      OcspProperties props,
      CaSigner signer,
      StorePorts store,
      ResponderCertificates responderCertificates,
      Function<String, String> keySourceOfCa,
      Clock clock,
      MeterRegistry meters) {
    return create(
        props,
        signer,
        store,
        responderCertificates,
        keySourceOfCa,
        clock,
        meters,
        PublicationHold.none());
  }

  /**
   * Builds the responder whose pre-signed answers revealing a revocation wait for {@code hold}
   * (docs/replication.md, "Publish only what the backup holds").
   */
  public static OcspResponder create(
      OcspProperties props,
      CaSigner signer,
      StorePorts store,
      ResponderCertificates responderCertificates,
      Function<String, String> keySourceOfCa,
      Clock clock,
      MeterRegistry meters,
      PublicationHold hold) {
    return new OcspResponder(
        props, signer, store, responderCertificates, keySourceOfCa, clock, meters, hold);
  }

  /** POST {@code /ocsp} (and {@code /ocsp/}), GET {@code /ocsp/<request>}. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(
            RequestPredicates.POST(OcspHandler.PATH)
                .or(RequestPredicates.POST(OcspHandler.PATH + "/")),
            handler::post)
        .andRoute(RequestPredicates.GET(OcspHandler.PATH + "/**"), handler::get);
  }

  /**
   * Starts the pre-signing rounds: at once, on every local change signal and every refresh
   * interval.
   */
  public void start(Flux<Boolean> localChanges) {
    running.update(
        Disposables.composite(
            // Synchronous with the signal: the changing call has not returned to its caller yet.
            localChanges.subscribe(x -> cache.changed()),
            presigner.start(localChanges, props.refreshInterval(), props.roundTimeout())));
  }

  /**
   * Pre-signed answers on the fast path ahead of WebFlux (see {@link OcspFastRoute}); whatever it
   * cannot answer as is goes to {@link #routes}.
   */
  public FastPath.Route fastRoute(MeterRegistry meters) {
    return new OcspFastRoute(this::presignedNow, clock, props, meters);
  }

  /** The pre-signed answer the chain would give right now without waiting for anything, or null. */
  private @Nullable SignedResponse presignedNow(OCSPRequest request) {
    Object checked;
    try {
      checked = filter.check(OcspQuery.of(request.getTbsRequest()));
    } catch (RuntimeException e) {
      return null; // malformed inside: the handler answers malformedRequest
    }
    return checked instanceof OcspQuery resolved ? cache.peek(resolved) : null;
  }

  /**
   * The responder as the validation service sees it in process: the pre-signed answer for one of
   * our certificates, exactly as a request without nonce gets it, or nothing (see {@link
   * OwnStatus}).
   */
  public OwnOcsp ownOcsp() {
    return new OwnStatus(directory::get, cache);
  }

  /** The head of the status-source chain. */
  public StatusSource chain() {
    return chain;
  }

  /**
   * What the responder knows now: whether the issuer directory is loaded, the issuers, cached
   * answers, and when the cache last followed the change log.
   */
  public Map<String, Object> state() {
    IssuerDirectory dir = Objects.requireNonNull(directory.get());
    Instant sync = cache.lastSync();
    return Map.of(
        "loaded", dir.loaded(),
        "issuers",
            dir.issuers().stream().map(i -> i.caId() + "#" + i.generation()).sorted().toList(),
        "presignedAnswers", cache.size(),
        "lastSync", sync.equals(Instant.MIN) ? "never" : sync.toString(),
        "fresh", !sync.plus(props.maxStaleness()).isBefore(clock.instant()));
  }

  /** Whether the responder answers from a loaded directory and a fresh cache. */
  public boolean ready() {
    return Objects.requireNonNull(directory.get()).loaded()
        && !cache.lastSync().plus(props.maxStaleness()).isBefore(clock.instant());
  }

  @Override
  public void close() {
    running.dispose();
  }

  /** Runs one pre-signing round now (after a promotion: answers signed at the new epoch). */
  public Mono<Void> refresh() {
    return presigner.round();
  }

  /**
   * Stops the pre-signing rounds (this replica stopped being the writer); {@link #start} resumes
   * them.
   */
  public void stop() {
    running.update(Disposables.disposed());
  }
}
