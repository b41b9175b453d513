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
 * replication_ack every 100 ms covers acks another replica of the center received.
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

  public PublicationGate(R2dbcReplication store, AckSignal acks, Duration timeout) {
    this.store = store;
    this.acks = acks;
    this.timeout = timeout;
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
    Flux<Long> fromDb =
        Flux.interval(Duration.ZERO, DB_POLL).concatMap(i -> store.maxAcknowledged(), 1);
    return Flux.merge(acks.changes(), fromDb)
        .doOnNext(acks::acknowledgedQuietly)
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
