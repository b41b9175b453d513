package io.gpki.sync.replication;

import io.gpki.sync.ChangeRecord;
import io.gpki.sync.DemotionToken;
import io.gpki.sync.ReplicaRejected;
import io.gpki.sync.ReplicaRejected.Reason;
import io.gpki.sync.store.R2dbcReplication;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;
import reactor.util.retry.Retry;

/**
 * The backup's side: connects to the master's stream from its bookmark, refuses frames from an
 * epoch below one it has seen, applies each record in one transaction with the bookmark (the store
 * verifies seq, chain, hash and signatures), and acknowledges the applied seq back. A record that
 * fails a check stops the subscriber (state STOPPED, logged at ERROR, reported by {@link
 * #status()}); transport failures reconnect with exponential backoff from the bookmark, so nothing
 * is skipped or doubled.
 */
public final class ReplicationSubscriber implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationSubscriber.class);
  private static final int MAX_LINE = 64 * 1024 * 1024;

  private final R2dbcReplication store;
  private final EpochSource epochs;
  private final EpochObserver observer;
  private final String source;
  private final String masterUrl;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final Duration heartbeatTimeout;
  private final Clock clock;
  private final HandoverListener handover;
  private final AtomicReference<ReplicationStatus> status;
  private final AtomicLong highestEpoch = new AtomicLong();
  private final AtomicLong lastHeardMillis = new AtomicLong();
  private final AtomicReference<java.time.@Nullable Instant> lastAppliedAt =
      new AtomicReference<>();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicReference<@Nullable Disposable> running = new AtomicReference<>();
  private final AtomicReference<@Nullable HttpClient> client = new AtomicReference<>();

  /**
   * @param source the master center's id (the bookmark's key)
   * @param masterUrl e.g. {@code https://master.example:9443}
   * @param heartbeatTimeout a stream silent this long is cut and reconnected
   */
  public ReplicationSubscriber(
      R2dbcReplication store,
      EpochSource epochs,
      EpochObserver observer,
      String source,
      String masterUrl,
      Duration minBackoff,
      Duration maxBackoff,
      Duration heartbeatTimeout,
      Clock clock) {
    this(
        store,
        epochs,
        observer,
        source,
        masterUrl,
        minBackoff,
        maxBackoff,
        heartbeatTimeout,
        clock,
        HandoverListener.NONE);
  }

  /**
   * As above, with the listener told when the master hands over to this center (switchover).
   *
   * @param handover promotes this center with the master's demotion token
   */
  public ReplicationSubscriber(
      R2dbcReplication store,
      EpochSource epochs,
      EpochObserver observer,
      String source,
      String masterUrl,
      Duration minBackoff,
      Duration maxBackoff,
      Duration heartbeatTimeout,
      Clock clock,
      HandoverListener handover) {
    this.handover = handover;
    this.store = store;
    this.epochs = epochs;
    this.observer = observer;
    this.source = source;
    this.masterUrl =
        masterUrl.endsWith("/") ? masterUrl.substring(0, masterUrl.length() - 1) : masterUrl;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.heartbeatTimeout = heartbeatTimeout;
    this.clock = clock;
    this.status =
        new AtomicReference<>(
            new ReplicationStatus(ReplicationStatus.State.CONNECTING, 0, 0, 0, null, null, 0));
  }

  /**
   * Starts the subscription loop (once, at startup). TLS contexts are built on {@code blocking}.
   */
  public Disposable start(ReplicationTls tls, Scheduler blocking) {
    Disposable d =
        Mono.fromCallable(tls::client)
            .subscribeOn(blocking)
            .flatMap(this::run)
            .subscribe(v -> {}, e -> LOG.error("replication subscriber ended", e));
    running.set(d);
    return d;
  }

  /** The loop: connect, stream, reconnect on transport failures; stop on a refused record. */
  Mono<Void> run(SslContext ssl) {
    HttpClient http = HttpClient.create().secure(spec -> spec.sslContext(ssl));
    client.set(http);
    return Mono.defer(() -> connectOnce(http))
        .retryWhen(
            Retry.from(
                signals ->
                    signals.concatMap(
                        s -> {
                          Throwable e = s.failure();
                          if (e instanceof ReplicaRejected r) {
                            stop(r);
                            return Mono.error(e);
                          }
                          if (e instanceof HandedOver) {
                            return Mono.error(e);
                          }
                          int n = failures.incrementAndGet();
                          long base =
                              Math.min(
                                  maxBackoff.toMillis(),
                                  minBackoff.toMillis() << Math.min(n - 1, 20));
                          long delay =
                              base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
                          update(
                              st ->
                                  new ReplicationStatus(
                                      ReplicationStatus.State.CONNECTING,
                                      st.appliedSeq(),
                                      st.masterHeadSeq(),
                                      lagSeconds(st.appliedSeq(), st.masterHeadSeq()),
                                      null,
                                      String.valueOf(e.getMessage()),
                                      st.reconnects() + 1));
                          LOG.warn(
                              "replication stream from {} failed ({}); reconnecting in {} ms",
                              source,
                              e.toString(),
                              delay);
                          return Mono.delay(Duration.ofMillis(delay));
                        })))
        .onErrorResume(ReplicaRejected.class, e -> Mono.empty())
        .onErrorResume(HandedOver.class, e -> Mono.empty());
  }

  /** The master's demotion token arrived and checked out: leave the stream, then promote. */
  private static final class TokenReceived extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient DemotionToken token;

    TokenReceived(DemotionToken token) {
      super(token.summary(), null, false, false);
      this.token = token;
    }
  }

  /** This center was promoted with the master's token: the subscription ends. */
  private static final class HandedOver extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HandedOver(String message) {
      super(message, null, false, false);
    }
  }

  /** Promotes with the token (outside the stream's silence timeout: a promotion takes a while). */
  private Mono<Void> promote(DemotionToken token) {
    LOG.warn("master {} handed over to this center: {}", source, token.summary());
    return handover
        .handOver(token)
        .then(
            Mono.fromRunnable(
                () ->
                    update(
                        st ->
                            new ReplicationStatus(
                                ReplicationStatus.State.HANDED_OVER,
                                st.appliedSeq(),
                                st.masterHeadSeq(),
                                0,
                                null,
                                null,
                                st.reconnects()))))
        .then(Mono.error(() -> new HandedOver(token.summary())));
  }

  private Mono<Void> connectOnce(HttpClient http) {
    return Mono.zip(store.bookmark(source), store.bookmarkEpoch(source), epochs.current())
        .flatMap(
            t -> {
              long applied = t.getT1().seq();
              highestEpoch.accumulateAndGet(Math.max(t.getT2(), t.getT3().epoch()), Math::max);
              update(
                  st ->
                      new ReplicationStatus(
                          ReplicationStatus.State.CONNECTING,
                          applied,
                          Math.max(st.masterHeadSeq(), applied),
                          st.lagSeconds(),
                          null,
                          st.lastError(),
                          st.reconnects()));
              Sinks.Many<Long> acked = Sinks.many().replay().latest();
              acked.tryEmitNext(applied);
              String uri =
                  masterUrl
                      + "/replication/v1/changes?from="
                      + (applied + 1)
                      + "&epoch="
                      + highestEpoch.get();
              long localEpoch = t.getT3().epoch();
              Flux<Long> apply =
                  http.get()
                      .uri(uri)
                      .response(
                          (res, body) -> {
                            if (res.status().code() == 409) {
                              // The master is below an epoch this center has seen: a stale master.
                              // Apply nothing.
                              return Mono.<String>error(
                                  new ReplicaRejected(
                                      Reason.STALE_EPOCH,
                                      applied + 1,
                                      "the master is at an epoch below " + highestEpoch.get()));
                            }
                            if (res.status().code() != 200) {
                              return body.aggregate()
                                  .asString()
                                  .defaultIfEmpty("")
                                  .flatMap(
                                      why ->
                                          Mono.<String>error(
                                              new IllegalStateException(
                                                  "master answered "
                                                      + res.status().code()
                                                      + ": "
                                                      + why.trim())));
                            }
                            String e = res.responseHeaders().get("Gpki-Epoch");
                            long theirs = e == null ? 0 : Long.parseLong(e);
                            checkEpoch(theirs, applied + 1, "stream");
                            LOG.info(
                                "replicating from {} (epoch {}) after seq {}",
                                source,
                                theirs,
                                applied);
                            update(
                                st ->
                                    new ReplicationStatus(
                                        ReplicationStatus.State.STREAMING,
                                        st.appliedSeq(),
                                        st.masterHeadSeq(),
                                        st.lagSeconds(),
                                        null,
                                        st.lastError(),
                                        st.reconnects()));
                            // A center that sees a higher epoch than its own reports it (a former
                            // master fences).
                            Mono<Void> seen =
                                theirs > localEpoch ? observer.observe(theirs) : Mono.empty();
                            return seen.thenMany(lines(body.asString(StandardCharsets.US_ASCII)));
                          })
                      .concatMap(line -> handle(line, acked))
                      // Silence is measured between handled frames, not between reads: a backup
                      // slowly applying
                      // a backlog has no demand and must not take that for a silent master.
                      .timeout(heartbeatTimeout)
                      .concatWith(
                          Mono.error(
                              () -> new IllegalStateException("the master closed the stream")))
                      .onErrorResume(
                          TokenReceived.class, got -> promote(got.token).thenMany(Flux.empty()))
                      .doFinally(s -> acked.tryEmitComplete());
              Mono<Void> ack =
                  acked
                      .asFlux()
                      .onBackpressureLatest()
                      .concatMap(seq -> postAck(http, seq), 1)
                      .then();
              return Mono.when(apply, ack);
            });
  }

  /** Splits chunks into lines (frames are ASCII, so chunk boundaries cannot split a character). */
  private static Flux<String> lines(Flux<String> chunks) {
    StringBuilder carry = new StringBuilder();
    return chunks.concatMapIterable(
        chunk -> {
          carry.append(chunk);
          List<String> out = new ArrayList<>();
          int start = 0;
          for (int i = 0; i < carry.length(); i++) {
            if (carry.charAt(i) == '\n') {
              out.add(carry.substring(start, i));
              start = i + 1;
            }
          }
          carry.delete(0, start);
          if (carry.length() > MAX_LINE) {
            throw new IllegalStateException("frame longer than " + MAX_LINE + " bytes");
          }
          return out;
        });
  }

  /** Handles one frame; emits the applied seq, or -1 for a heartbeat. */
  private Mono<Long> handle(String line, Sinks.Many<Long> acked) {
    Frames.Frame frame = Frames.parse(line);
    lastHeardMillis.set(clock.millis());
    if (frame instanceof Frames.Heartbeat h) {
      checkEpoch(h.epoch(), current().appliedSeq() + 1, "heartbeat");
      update(
          st ->
              new ReplicationStatus(
                  st.state(),
                  st.appliedSeq(),
                  Math.max(st.masterHeadSeq(), h.headSeq()),
                  lagSeconds(st.appliedSeq(), Math.max(st.masterHeadSeq(), h.headSeq())),
                  null,
                  st.lastError(),
                  st.reconnects()));
      return Mono.just(-1L);
    }
    if (frame instanceof Frames.Handover h) {
      DemotionToken t = h.token();
      return store
          .bookmark(source)
          .flatMap(
              b -> {
                if (t.epoch() < highestEpoch.get()) {
                  return Mono.error(
                      new ReplicaRejected(
                          Reason.STALE_EPOCH,
                          t.lastSeq(),
                          "demotion token of epoch " + t.epoch() + " below " + highestEpoch.get()));
                }
                if (b.seq() != t.lastSeq() || !java.util.Arrays.equals(b.hash(), t.lastHash())) {
                  return Mono.error(
                      new ReplicaRejected(
                          Reason.DIVERGED,
                          t.lastSeq(),
                          "the demotion token ends at seq "
                              + t.lastSeq()
                              + " but this center applied up to "
                              + b.seq()
                              + (b.seq() == t.lastSeq() ? " with another chain hash" : "")));
                }
                return Mono.error(new TokenReceived(t));
              });
    }
    ChangeRecord r = ((Frames.RecordFrame) frame).record();
    // The store refuses a record whose epoch is below the bookmark's (STALE_EPOCH).
    return store
        .apply(source, r)
        .doOnNext(
            outcome -> {
              failures.set(0);
              lastAppliedAt.set(r.recordedAt());
              update(
                  st ->
                      new ReplicationStatus(
                          ReplicationStatus.State.STREAMING,
                          Math.max(st.appliedSeq(), r.seq()),
                          Math.max(st.masterHeadSeq(), r.seq()),
                          lagSeconds(
                              Math.max(st.appliedSeq(), r.seq()),
                              Math.max(st.masterHeadSeq(), r.seq())),
                          null,
                          st.lastError(),
                          st.reconnects()));
              acked.tryEmitNext(r.seq());
            })
        .thenReturn(r.seq());
  }

  private void checkEpoch(long theirs, long seq, String what) {
    long ours = highestEpoch.get();
    if (theirs < ours) {
      throw new ReplicaRejected(
          Reason.STALE_EPOCH, seq, what + " epoch " + theirs + " below " + ours);
    }
    highestEpoch.set(theirs);
  }

  private Mono<Void> postAck(HttpClient http, long seq) {
    return http.post()
        .uri(masterUrl + "/replication/v1/ack")
        .send(reactor.netty.ByteBufFlux.fromString(Mono.just(highestEpoch.get() + " " + seq)))
        .responseSingle(
            (res, body) -> {
              if (res.status().code() == 409) {
                LOG.warn(
                    "the master refused the acknowledgement of {}: it is below this center's epoch {}",
                    seq,
                    highestEpoch.get());
              }
              return body.then();
            })
        .timeout(Duration.ofSeconds(5))
        .onErrorResume(
            e -> {
              LOG.debug("acknowledgement of {} failed (the next one covers it)", seq, e);
              return Mono.empty();
            });
  }

  /**
   * Anti-entropy: fetches the master's per-table digests over the replication TLS and compares them
   * with this center's; names every table that differs when both are at the same head.
   */
  public Mono<Digests.Comparison> compareWithMaster() {
    HttpClient http = client.get();
    if (http == null) {
      return Mono.error(new IllegalStateException("the subscriber has not started"));
    }
    return http.get()
        .uri(masterUrl + "/replication/v1/digests")
        .responseSingle(
            (res, body) ->
                res.status().code() == 200
                    ? body.asString(StandardCharsets.US_ASCII)
                    : Mono.error(
                        new IllegalStateException("master answered " + res.status().code())))
        .map(Digests::parse)
        .timeout(Duration.ofSeconds(30))
        .zipWith(Mono.zip(store.head(), store.digests()))
        .map(
            t -> {
              long theirs = Long.parseLong(t.getT1().getOrDefault("head", "-1"));
              long ours = t.getT2().getT1().seq();
              return new Digests.Comparison(
                  theirs,
                  ours,
                  theirs == ours
                      ? Digests.divergent(t.getT2().getT2(), t.getT1())
                      : java.util.List.of());
            });
  }

  private double lagSeconds(long applied, long head) {
    long now = clock.millis();
    if (applied >= head) {
      // Caught up: honest only while the master is heard from; silence counts as lag.
      long heard = lastHeardMillis.get();
      long silent = heard == 0 ? 0 : Math.max(0, now - heard);
      return silent < heartbeatTimeout.toMillis() / 2 ? 0 : silent / 1000.0;
    }
    java.time.Instant at = lastAppliedAt.get();
    return at == null ? 0 : Math.max(0, now - at.toEpochMilli()) / 1000.0;
  }

  private void stop(ReplicaRejected r) {
    LOG.error(
        "REPLICATION STOPPED at seq {}: {}. Nothing after it is applied; re-seed or repair, then restart.",
        r.seq(),
        r.getMessage());
    update(
        st ->
            new ReplicationStatus(
                ReplicationStatus.State.STOPPED,
                st.appliedSeq(),
                st.masterHeadSeq(),
                st.lagSeconds(),
                r.reason(),
                r.getMessage(),
                st.reconnects()));
  }

  private void update(java.util.function.UnaryOperator<ReplicationStatus> f) {
    status.updateAndGet(f);
  }

  private ReplicationStatus current() {
    return java.util.Objects.requireNonNull(status.get());
  }

  /** The current status; lag seconds recomputed now. */
  public ReplicationStatus status() {
    ReplicationStatus st = current();
    return new ReplicationStatus(
        st.state(),
        st.appliedSeq(),
        st.masterHeadSeq(),
        lagSeconds(st.appliedSeq(), st.masterHeadSeq()),
        st.stoppedBy(),
        st.lastError(),
        st.reconnects());
  }

  @Override
  public void close() {
    Disposable d = running.getAndSet(null);
    if (d != null) {
      d.dispose();
    }
  }
}
