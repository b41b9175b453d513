package io.gpki.sync.replication;

import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Sinks;

/** The highest acknowledged seq in this process, with a signal on every increase. */
public final class AckSignal {

  private final AtomicLong highest = new AtomicLong();
  private final Sinks.Many<Long> changes = Sinks.many().multicast().directBestEffort();

  /** Records an acknowledgement. */
  public void acknowledged(long seq) {
    long now = highest.accumulateAndGet(seq, Math::max);
    changes.emitNext(now, Sinks.EmitFailureHandler.busyLooping(java.time.Duration.ofMillis(50)));
  }

  /** Records an acknowledgement read elsewhere (the database) without signalling. */
  void acknowledgedQuietly(long seq) {
    highest.accumulateAndGet(seq, Math::max);
  }

  /** The highest seq acknowledged so far. */
  public long highest() {
    return highest.get();
  }

  /** Every new highest value. */
  reactor.core.publisher.Flux<Long> changes() {
    return changes.asFlux();
  }
}
