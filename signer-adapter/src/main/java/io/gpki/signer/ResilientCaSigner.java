package io.gpki.signer;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.gpki.signer.SignerException.Kind;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link CaSigner} over one or more key sources. Each source gets a lane: its own bounded
 * scheduler ({@code signer-<name>-*} threads, sized to the source's sessions), a bulkhead that
 * fails fast with {@link Kind#SATURATED}, a circuit breaker {@code signer-<name>} and a call
 * timeout. Key ids are routed to the source that holds them.
 */
final class ResilientCaSigner implements ManagedCaSigner {

  /** A key source with its resilience settings. */
  record Binding(KeySource source, KeySourceSpec.Resilience resilience) {}

  /** Key generation takes far longer than a signature (RSA-3072 on an HSM: seconds). */
  private static final int GENERATE_TIMEOUT_FACTOR = 12;

  private final Map<String, Lane> lanesBySource;
  private final Map<String, Lane> lanesByKey = new ConcurrentHashMap<>();
  // Key ids being generated right now, so two sources cannot both create the same id.
  private final Set<String> pendingKeyIds = new HashSet<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final SigningFence fence;

  private ResilientCaSigner(Map<String, Lane> lanesBySource, SigningFence fence) {
    this.lanesBySource = lanesBySource;
    this.fence = fence;
  }

  /**
   * Builds a lane per source and indexes their key ids. Blocking (reads every source's key ids);
   * call at startup. On failure the schedulers are disposed; closing the sources is the caller's
   * job.
   *
   * @throws IllegalArgumentException when a key id is held by two sources
   * @throws IllegalStateException when a source's key ids cannot be read
   */
  static ResilientCaSigner start(List<Binding> bindings) {
    return start(bindings, SigningFence.NONE);
  }

  static ResilientCaSigner start(List<Binding> bindings, SigningFence fence) {
    Map<String, Lane> lanes = new LinkedHashMap<>();
    bindings.forEach(b -> lanes.put(b.source().name(), new Lane(b.source(), b.resilience())));
    ResilientCaSigner signer = new ResilientCaSigner(lanes, fence);
    try {
      for (Lane lane : lanes.values()) {
        Set<String> ids;
        try {
          ids = lane.source.keyIds();
        } catch (Exception e) {
          throw new IllegalStateException(
              "cannot read the key ids of key source " + lane.source.name() + ": " + e.getMessage(),
              e);
        }
        for (String id : ids) {
          Lane other = signer.lanesByKey.putIfAbsent(id, lane);
          if (other != null) {
            throw new IllegalArgumentException(
                "key id '"
                    + id
                    + "' is held by key sources "
                    + other.source.name()
                    + " and "
                    + lane.source.name());
          }
        }
      }
      return signer;
    } catch (RuntimeException e) {
      lanes.values().forEach(Lane::dispose);
      throw e;
    }
  }

  @Override
  public Mono<byte[]> sign(String keyId, String algorithm, byte[] data) {
    return Mono.defer(
        () -> {
          Lane lane = lanesByKey.get(keyId);
          SignatureAudit audit =
              new SignatureAudit(lane == null ? "-" : lane.source.name(), keyId, algorithm, data);
          String refusal = fence.refusal(keyId);
          Mono<byte[]> signed =
              refusal != null
                  ? Mono.error(fenced(keyId, refusal))
                  : lane == null
                      ? Mono.error(unknownKey(keyId))
                      : lane.call(
                          lane.callTimeout,
                          () -> audit.around(() -> lane.source.sign(keyId, algorithm, data)));
          // Failures decided outside the signer thread (unknown key, saturated, circuit open,
          // timeout) are logged after a hop to boundedElastic: the caller may be an event loop and
          // the log appender may block.
          return signed.onErrorResume(
              e ->
                  Mono.fromRunnable(() -> audit.refused(classify(e, "-", Duration.ZERO).kind()))
                      .subscribeOn(Schedulers.boundedElastic())
                      .then(Mono.error(e)));
        });
  }

  @Override
  public Mono<PublicKey> publicKey(String keyId) {
    return Mono.defer(
        () -> {
          Lane lane = lanesByKey.get(keyId);
          if (lane == null) {
            return Mono.error(unknownKey(keyId));
          }
          return lane.call(lane.callTimeout, () -> lane.source.publicKey(keyId))
              .switchIfEmpty(Mono.error(() -> unknownKey(keyId)));
        });
  }

  @Override
  public Mono<PublicKey> generateKey(String sourceName, String keyId, KeySpec spec) {
    return Mono.defer(
        () -> {
          String refusal = fence.refusal(keyId);
          if (refusal != null) {
            return Mono.error(fenced(keyId, refusal));
          }
          Lane lane = lanesBySource.get(sourceName);
          if (lane == null) {
            return Mono.error(
                new SignerException(Kind.REJECTED, "no key source named '" + sourceName + "'"));
          }
          synchronized (pendingKeyIds) {
            if (lanesByKey.containsKey(keyId) || !pendingKeyIds.add(keyId)) {
              return Mono.error(
                  new SignerException(Kind.REJECTED, "key id '" + keyId + "' already exists"));
            }
          }
          Duration timeout = lane.callTimeout.multipliedBy(GENERATE_TIMEOUT_FACTOR);
          return lane.call(timeout, () -> lane.source.generate(keyId, spec))
              .doOnSuccess(key -> lanesByKey.put(keyId, lane))
              .doFinally(
                  signal -> {
                    synchronized (pendingKeyIds) {
                      pendingKeyIds.remove(keyId);
                    }
                  });
        });
  }

  @Override
  public Mono<Boolean> hasKey(String keyId) {
    return Mono.fromSupplier(() -> lanesByKey.containsKey(keyId));
  }

  @Override
  public Mono<SignerHealth> health() {
    return Flux.fromIterable(lanesBySource.values())
        .flatMapSequential(Lane::health)
        .collectList()
        .map(SignerHealth::new);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Lane lane : lanesBySource.values()) {
        lane.dispose();
        lane.source.close();
      }
    }
  }

  private static SignerException fenced(String keyId, String why) {
    return new SignerException(Kind.FENCED, "signing with '" + keyId + "' refused: " + why);
  }

  private static SignerException unknownKey(String keyId) {
    return new SignerException(Kind.UNKNOWN_KEY, "no key source holds key id '" + keyId + "'");
  }

  /** Maps any failure to the {@link SignerException} callers see. */
  static SignerException classify(Throwable e, String source, Duration timeout) {
    if (e instanceof SignerException se) {
      return se;
    }
    if (e instanceof TimeoutException) {
      return new SignerException(
          Kind.TIMEOUT, "key source " + source + " did not answer within " + timeout, e);
    }
    if (e instanceof BulkheadFullException || e instanceof RejectedExecutionException) {
      return new SignerException(Kind.SATURATED, "key source " + source + " is saturated", e);
    }
    if (e instanceof CallNotPermittedException) {
      return new SignerException(
          Kind.UNAVAILABLE, "key source " + source + " is unavailable (circuit open)", e);
    }
    if (e instanceof NoSuchAlgorithmException
        || e instanceof InvalidKeyException
        || e instanceof InvalidAlgorithmParameterException
        || e instanceof IllegalArgumentException) {
      return new SignerException(Kind.REJECTED, "key source " + source + " refused: " + e, e);
    }
    return new SignerException(Kind.UNAVAILABLE, "key source " + source + " failed: " + e, e);
  }

  /** Only failures of the source itself open the circuit, not bad requests or our own limits. */
  private static boolean opensCircuit(Throwable e) {
    Kind kind = classify(e, "-", Duration.ZERO).kind();
    return kind == Kind.UNAVAILABLE || kind == Kind.TIMEOUT;
  }

  /** One key source with its scheduler and resilience policies. */
  private static final class Lane {

    final KeySource source;
    final Duration callTimeout;
    final Scheduler scheduler;
    final Bulkhead bulkhead;
    final CircuitBreaker breaker;
    // Set when the source failed or the breaker lets a trial call through after OPEN: the next call
    // reconnects first. Resetting after any failure matters for a CA that signs rarely: it may
    // never
    // fail often enough to open the circuit, yet must not keep a dead HSM session.
    final AtomicBoolean resetBeforeNextCall = new AtomicBoolean();

    Lane(KeySource source, KeySourceSpec.Resilience resilience) {
      this.source = source;
      this.callTimeout = resilience.callTimeout();
      String name = "signer-" + source.name();
      int sessions = source.maxConcurrency();
      int queue = Math.max(1, resilience.queueCapacity());
      // The bulkhead below is the exact gate. The scheduler counts a task as queued until a thread
      // picks it up (and a timed-out task until it ends), so its own cap gets slack to never reject
      // first; it stays a backstop. Daemon threads: a forgotten close() must not keep the JVM
      // alive.
      this.scheduler =
          Schedulers.newBoundedElastic(sessions, 2 * (sessions + queue), name, 60, true);
      // Running plus waiting calls; one more fails at once instead of piling up behind the HSM.
      this.bulkhead =
          Bulkhead.of(
              name,
              BulkheadConfig.custom()
                  .maxConcurrentCalls(sessions + queue)
                  .maxWaitDuration(Duration.ZERO)
                  .build());
      this.breaker =
          CircuitBreaker.of(
              name,
              CircuitBreakerConfig.custom()
                  .failureRateThreshold(resilience.failureRateThreshold())
                  .slidingWindow(10, 4, SlidingWindowType.COUNT_BASED)
                  .waitDurationInOpenState(resilience.openStateWait())
                  .automaticTransitionFromOpenToHalfOpenEnabled(true)
                  .permittedNumberOfCallsInHalfOpenState(1)
                  .recordException(ResilientCaSigner::opensCircuit)
                  .build());
      breaker
          .getEventPublisher()
          .onStateTransition(
              event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.HALF_OPEN) {
                  resetBeforeNextCall.set(true);
                }
              });
    }

    /** Runs blocking work on this lane's scheduler behind timeout, circuit breaker and bulkhead. */
    <T> Mono<T> call(Duration timeout, Callable<T> work) {
      return Mono.defer(() -> attempt(work))
          .subscribeOn(scheduler)
          // The timer fires on boundedElastic, not parallel: what follows a timeout (the audit
          // log line) may write to a blocking appender.
          .timeout(timeout, Schedulers.boundedElastic())
          .doOnError(this::resetAfterFailure)
          .transformDeferred(CircuitBreakerOperator.of(breaker))
          .transformDeferred(BulkheadOperator.of(bulkhead))
          .onErrorMap(e -> classify(e, source.name(), timeout));
    }

    private <T> Mono<T> attempt(Callable<T> work) {
      AtomicBoolean abandoned = new AtomicBoolean();
      return Mono.fromCallable(
              () -> {
                try {
                  if (resetBeforeNextCall.getAndSet(false)) {
                    source.reset();
                  }
                  return work.call();
                } catch (Exception e) {
                  if (abandoned.get()) {
                    // The caller gave up (timeout) and the audit has the outcome; without this,
                    // Reactor would log the late failure as a dropped error.
                    return null;
                  }
                  throw e;
                }
              })
          .doOnCancel(() -> abandoned.set(true));
    }

    /**
     * Probes the source. Outside the breaker, but it does reconnect first when a reset is pending:
     * an idle signer whose readiness is down may get no signing traffic that would reconnect it.
     */
    Mono<SignerHealth.SourceHealth> health() {
      return Mono.defer(
              () ->
                  attempt(
                      () -> {
                        source.probe();
                        return sourceHealth(true, "");
                      }))
          .subscribeOn(scheduler)
          .timeout(callTimeout, Schedulers.boundedElastic())
          .doOnError(this::resetAfterFailure)
          .onErrorResume(
              e ->
                  Mono.just(
                      sourceHealth(
                          false,
                          String.valueOf(classify(e, source.name(), callTimeout).getMessage()))));
    }

    private void resetAfterFailure(Throwable e) {
      if (opensCircuit(e)) {
        resetBeforeNextCall.set(true);
      }
    }

    private SignerHealth.SourceHealth sourceHealth(boolean up, String detail) {
      return new SignerHealth.SourceHealth(
          source.name(), source.type(), up, breaker.getState().name(), detail);
    }

    void dispose() {
      scheduler.dispose();
    }
  }

  /**
   * The audit lines of one signature: the signer thread logs one line before and one after the
   * signature itself; a request that fails before or beside it (unknown key, saturated, circuit
   * open, timeout) gets an end line with that outcome, unless the signer thread already logged one.
   * A signature that finishes after its caller timed out is still logged, marked {@code late=true}.
   * Lines name the data by length and SHA-256, never key material or secrets.
   */
  private static final class SignatureAudit {

    private static final Logger LOG = LoggerFactory.getLogger("io.gpki.signer.audit");
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final long startNanos = System.nanoTime();
    private final String source;
    private final String keyId;
    private final String algorithm;
    private final int length;
    private final String sha256;
    private final AtomicBoolean ended = new AtomicBoolean();

    SignatureAudit(String source, String keyId, String algorithm, byte[] data) {
      this.source = source;
      this.keyId = keyId;
      this.algorithm = algorithm;
      this.length = data.length;
      this.sha256 = sha256(data);
    }

    /** Runs the signature between the before and after lines; runs on the signer thread. */
    byte[] around(Callable<byte[]> signature) throws Exception {
      LOG.info(
          "signature.begin id={} source={} keyId={} algorithm={} dataLength={} dataSha256={}",
          id,
          source,
          keyId,
          algorithm,
          length,
          sha256);
      String outcome = "OK";
      try {
        return signature.call();
      } catch (Exception e) {
        outcome = classify(e, source, Duration.ZERO).kind().name();
        throw e;
      } finally {
        boolean late = !ended.compareAndSet(false, true);
        log(outcome, late);
      }
    }

    /** The request failed outside the signature itself. */
    void refused(Kind kind) {
      if (ended.compareAndSet(false, true)) {
        log(kind.name(), false);
      }
    }

    private void log(String outcome, boolean late) {
      LOG.info(
          "signature.end id={} source={} keyId={} algorithm={} dataLength={} dataSha256={}"
              + " outcome={} latencyMs={} late={}",
          id,
          source,
          keyId,
          algorithm,
          length,
          sha256,
          outcome,
          (System.nanoTime() - startNanos) / 1_000_000,
          late);
    }

    private static String sha256(byte[] data) {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JRE has SHA-256", e);
      }
    }
  }
}
