package io.gpki.gateway.registration;

import io.gpki.sync.OutboxEvent;
import reactor.core.publisher.Mono;

/**
 * Delivers one notification. Completes when the receiver accepted it; errors with {@link
 * Undeliverable} when it can never be sent (it is then given up at once), with anything else when a
 * later attempt may succeed.
 */
@FunctionalInterface
public interface NotificationSender {

  /**
   * Sends {@code event}.
   *
   * @param attempt the number of this attempt (1 = first)
   */
  Mono<Void> send(OutboxEvent event, int attempt);

  /** The event cannot be delivered, whatever the number of attempts (no address, no URL). */
  final class Undeliverable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Undeliverable(String message) {
      super(message, null, false, false);
    }
  }
}
