package io.gpki.sync.replication;

import reactor.core.publisher.Mono;

/**
 * Told of every epoch replication sees from a peer (a subscriber's epoch at connect, a master's
 * epoch in its frames). The failover module's {@code observeEpoch(long)} goes here at wiring: a
 * master that sees a higher epoch fences itself at once. The default only logs.
 */
@FunctionalInterface
public interface EpochObserver {

  /** Completes once the observation took effect (e.g. the center is fenced). */
  Mono<Void> observe(long epoch);
}
