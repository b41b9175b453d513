package io.gpki.sync.replication;

import io.gpki.sync.DemotionToken;
import reactor.core.publisher.Mono;

/**
 * Told by the subscriber when its master handed over to this center (a switchover): this center
 * applied the master's log exactly up to the token's seq, with the token's chain hash. The failover
 * module promotes the center (epoch + 1) at wiring. An error makes the subscriber reconnect and
 * receive the token again (the promotion is idempotent for one token).
 */
@FunctionalInterface
public interface HandoverListener {

  /** Promotes this center with the token. */
  Mono<Void> handOver(DemotionToken token);

  /** No switchover target: refuses every token (the subscriber retries, an operator looks). */
  HandoverListener NONE =
      token ->
          Mono.error(
              new IllegalStateException(
                  "no handover listener: cannot promote with " + token.summary()));
}
