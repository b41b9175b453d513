package io.gpki.gateway;

import io.gpki.sync.replication.PublicationGate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * "Publish only what the backup holds" at the gateway's exposure points (docs/replication.md): the
 * repository snapshot (CRLs/ARLs over HTTP, RFC 4387 and LDAP), the LRA-visible {@code DONE} of a
 * revocation and the pre-signed OCSP answer that reveals a revocation wait until a change-log seq
 * is <em>released</em>: acknowledged by the backup ({@link PublicationGate}), or its timeout passed
 * (then the center is DR-unprotected, counted by the gate).
 *
 * <p>Releases form a watermark: every seq at or below the highest released seq counts as released
 * (the log is applied in order, and a wait that timed out for seq {@code s} began no later than a
 * wait for a lower seq could have). Nothing here blocks: waits are timers and signals on the gate.
 *
 * <p>Off ({@link #none()}) without replication (a lone center): everything is released at once, no
 * query, no wait. Also off while this center is a {@code BACKUP}: it publishes only what it applied
 * from the master.
 */
public final class PublicationHold {

  private static final Logger LOG = LoggerFactory.getLogger(PublicationHold.class);
  // Waits in flight at once: each is a timer and a filter on the gate's shared signals.
  private static final int MAX_WAITS = 65_536;
  private static final PublicationHold NONE = new PublicationHold(null, () -> false, Mono::empty);

  private final @Nullable PublicationGate gate;
  private final BooleanSupplier master;
  private final Supplier<Mono<Long>> head;
  private final AtomicLong released = new AtomicLong();
  private final Set<Long> waiting = ConcurrentHashMap.newKeySet();
  private final Sinks.Many<Long> requests = Sinks.many().unicast().onBackpressureBuffer();
  private final Sinks.Many<Long> releases = Sinks.many().multicast().directBestEffort();

  private PublicationHold(
      @Nullable PublicationGate gate, BooleanSupplier master, Supplier<Mono<Long>> head) {
    this.gate = gate;
    this.master = master;
    this.head = head;
  }

  /** No hold: a lone center (replication off). */
  public static PublicationHold none() {
    return NONE;
  }

  /**
   * A hold on the gate; {@link #start} it.
   *
   * @param gate waits for the backup's acknowledgement, at most its timeout
   * @param master whether this center publishes (not a BACKUP)
   * @param head this center's change-log head (read after a commit: a seq at or above the commit's)
   */
  public static PublicationHold on(
      PublicationGate gate, BooleanSupplier master, Supplier<Mono<Long>> head) {
    return new PublicationHold(gate, master, head);
  }

  /** Whether publications wait now (replication on and this center is not a backup). */
  public boolean active() {
    return gate != null && master.getAsBoolean();
  }

  /** Whether what the change log holds up to {@code seq} may be exposed now. */
  public boolean released(long seq) {
    PublicationGate g = gate;
    return g == null || !master.getAsBoolean() || seq <= released.get() || seq <= g.acknowledged();
  }

  /** The highest seq released so far (acknowledged, or waited for until the timeout). */
  public long releasedSeq() {
    return released.get();
  }

  /**
   * Starts waiting for {@code seq} unless it is released or already awaited; its release is
   * signalled on {@link #releases()}. Never blocks, never fails.
   */
  public void request(long seq) {
    if (released(seq) || !waiting.add(seq)) {
      return;
    }
    requests.emitNext(seq, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(50)));
  }

  /**
   * Reads the backup's acknowledgement from the database (one received by another replica), so
   * {@link #released} and the DR-unprotected status are current. Empty without a gate.
   */
  public Mono<Void> refreshAcknowledged() {
    PublicationGate g = gate;
    return g == null ? Mono.empty() : g.refreshAcknowledged().then();
  }

  /**
   * This center's DR protection as operators see it ({@code GET /api/v1/operations/center}, {@code
   * gpki dr status}).
   *
   * @param enabled whether publications wait for a backup (replication on, not a backup)
   * @param unprotected whether something was published without the backup's acknowledgement and the
   *     backup has not acknowledged it since (DR-unprotected)
   * @param unprotectedHighWater the highest change-log seq published unprotected (0: never)
   * @param acknowledgedSeq the highest seq the backup acknowledged
   * @param unprotectedPublications how many publications went out unprotected since start
   * @param timeout how long a publication waits for the acknowledgement
   */
  public record Protection(
      boolean enabled,
      boolean unprotected,
      long unprotectedHighWater,
      long acknowledgedSeq,
      long unprotectedPublications,
      Duration timeout) {}

  /** The protection now, after reading the latest acknowledgement from the database. */
  public Mono<Protection> protection() {
    PublicationGate g = gate;
    if (g == null) {
      return Mono.just(new Protection(false, false, 0, 0, 0, Duration.ZERO));
    }
    return refreshAcknowledged()
        .then(
            Mono.fromSupplier(
                () ->
                    new Protection(
                        active(),
                        g.unprotected(),
                        g.unprotectedHighWater(),
                        g.acknowledged(),
                        g.unprotectedCount(),
                        g.timeout())));
  }

  /** Every advance of the released watermark. */
  public Flux<Long> releases() {
    return releases.asFlux();
  }

  /** Completes once {@code seq} is released (at once when no hold is active). */
  public Mono<Void> awaitRelease(long seq) {
    return Mono.defer(
        () -> {
          if (released(seq)) {
            return Mono.empty();
          }
          // Listen first, then ask, then look: a release between the steps is not missed.
          return Flux.merge(
                  releases.asFlux(),
                  Mono.fromRunnable(() -> request(seq))
                      .then(Mono.fromSupplier(() -> released(seq) ? seq : 0L)))
              .filter(r -> r >= seq || released(seq))
              .next()
              .then();
        });
  }

  /**
   * Completes once everything committed before this call is released: reads the change-log head (a
   * seq at or above the caller's committed change) and waits for it. At once, without a query, when
   * no hold is active.
   */
  public Mono<Void> awaitCommitted() {
    return Mono.defer(() -> active() ? head.get().flatMap(this::awaitRelease) : Mono.empty());
  }

  /**
   * Runs the waits (each on the gate, concurrently, at most the gate's timeout). Returns the handle
   * that stops them.
   */
  public Disposable start() {
    PublicationGate g = gate;
    if (g == null) {
      return Disposables.disposed();
    }
    return requests
        .asFlux()
        .flatMap(
            seq ->
                g.awaitAcknowledged(seq)
                    .onErrorResume(
                        e -> {
                          LOG.warn("publication gate failed for seq {}: {}", seq, e.toString());
                          return Mono.delay(g.timeout())
                              .thenReturn(PublicationGate.Protection.UNPROTECTED);
                        })
                    .doOnNext(p -> release(seq))
                    .doFinally(s -> waiting.remove(seq)),
            MAX_WAITS)
        .subscribe();
  }

  private void release(long seq) {
    long now = released.accumulateAndGet(seq, Math::max);
    releases.emitNext(now, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(50)));
  }
}
