package io.gpki.sync.replication;

import io.gpki.sync.store.R2dbcReplication;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * "Publish only what the backup holds": waits until a backup acknowledged applying {@code seq}
 * (replication_ack), at most a timeout (default 2 s). Past it the caller publishes anyway and the
 * center is DR-unprotected until an acknowledgement catches up; the high-water mark of what was
 * published unprotected is kept. The in-process ack signal answers at once; a read of
 * replication_ack every 100 ms covers acks another replica of the center received. That read is
 * shared by every wait in flight (one query per 100 ms however many publications wait), and a
 * failed read only skips a tick: the wait still ends at its timeout.
 */
public final class PublicationGate {

  private static final Logger LOG = LoggerFactory.getLogger(PublicationGate.class);
  private static final Duration DB_POLL = Duration.ofMillis(100);

  /** Whether a publication was covered by a backup's acknowledgement. */
  public enum Protection {
    PROTECTED,
    UNPROTECTED
  }

  private final R2dbcReplication store;
  private final AckSignal acks;
  private final Duration timeout;
  private final AtomicLong unprotectedHighWater = new AtomicLong();
  private final AtomicLong unprotectedCount = new AtomicLong();
  // One poll of replication_ack for all waits in flight; it stops when the last wait ends.
  private final Flux<Long> polled;

  public PublicationGate(R2dbcReplication store, AckSignal acks, Duration timeout) {
    this.store = store;
    this.acks = acks;
    this.timeout = timeout;
    this.polled =
        Flux.interval(Duration.ZERO, DB_POLL).concatMap(i -> readAcknowledged(), 1).share();
  }

  private Mono<Long> readAcknowledged() {
    return store
        .maxAcknowledged()
        .doOnNext(acks::acknowledgedQuietly)
        .onErrorResume(
            e -> {
              LOG.debug("could not read replication_ack: {}", e.toString());
              return Mono.empty();
            });
  }

  /** The configured wait. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Reads the highest acknowledgement from replication_ack (an ack another replica received) and
   * emits the highest known; keeps {@link #unprotected()} current while nothing waits.
   */
  public Mono<Long> refreshAcknowledged() {
    return readAcknowledged().then(Mono.fromSupplier(acks::highest));
  }

  /** The highest seq a backup is known to have acknowledged (in memory). */
  public long acknowledged() {
    return acks.highest();
  }

  /** Waits for an acknowledgement of {@code seq} with the configured timeout. */
  public Mono<Protection> awaitAcknowledged(long seq) {
    return awaitAcknowledged(seq, timeout);
  }

  /** Waits for an acknowledgement of {@code seq}, at most {@code wait}. */
  public Mono<Protection> awaitAcknowledged(long seq, Duration wait) {
    if (acks.highest() >= seq) {
      return Mono.just(Protection.PROTECTED);
    }
    return Flux.merge(acks.changes(), polled)
        .filter(acked -> acked >= seq)
        .next()
        .map(acked -> Protection.PROTECTED)
        .timeout(
            wait,
            Mono.fromSupplier(
                () -> {
                  unprotectedHighWater.accumulateAndGet(seq, Math::max);
                  unprotectedCount.incrementAndGet();
                  LOG.warn(
                      "DR-unprotected: seq {} not acknowledged by a backup within {}; publishing anyway",
                      seq,
                      wait);
                  return Protection.UNPROTECTED;
                }));
  }

  /** Whether the newest publication is not yet held by a backup (status: DR-unprotected). */
  public boolean unprotected() {
    return unprotectedHighWater.get() > acks.highest();
  }

  /** The highest seq published without an acknowledgement (0 when none). */
  public long unprotectedHighWater() {
    return unprotectedHighWater.get();
  }

  /** How many publications went out unprotected (metric gpki.dr.unprotected). */
  public long unprotectedCount() {
    return unprotectedCount.get();
  }
}
