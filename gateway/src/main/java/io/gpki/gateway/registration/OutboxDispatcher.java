package io.gpki.gateway.registration;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Delivers the outbox of one channel, at least once. Each round takes the due events (webhooks:
 * only the oldest pending event of each LRA, so an LRA's events arrive in order; LRAs in parallel),
 * sends each, and records the outcome in the outbox before looking at it again: delivered; or the
 * attempt count and the next attempt time from the {@link RetrySchedule} (persisted, so retries
 * survive a restart); or DEAD once the schedule gives up, UNDELIVERABLE when it can never be sent.
 * A crash between a successful send and its record re-sends the event later under the same id.
 */
public final class OutboxDispatcher {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);

  private final NotificationOutbox outbox;
  private final OutboxEvent.Channel channel;
  private final NotificationSender sender;
  private final RetrySchedule schedule;
  private final Clock clock;
  private final int batch;
  private final Counter delivered;
  private final Counter retried;
  private final Counter dead;
  private final Counter undeliverable;
  private final BackgroundLoop.Wakeup wake = new BackgroundLoop.Wakeup();

  public OutboxDispatcher(
      NotificationOutbox outbox,
      OutboxEvent.Channel channel,
      NotificationSender sender,
      RetrySchedule schedule,
      Clock clock,
      int batch,
      MeterRegistry meters) {
    this.outbox = outbox;
    this.channel = channel;
    this.sender = sender;
    this.schedule = schedule;
    this.clock = clock;
    this.batch = batch;
    this.delivered = counter(meters, "delivered");
    this.retried = counter(meters, "retry");
    this.dead = counter(meters, "dead");
    this.undeliverable = counter(meters, "undeliverable");
  }

  private Counter counter(MeterRegistry meters, String outcome) {
    return Counter.builder("gpki.notifications.attempts")
        .description("notification delivery outcomes")
        .tag("channel", channel.name())
        .tag("outcome", outcome)
        .register(meters);
  }

  /** Asks for a round now. Never blocks, never fails. */
  public void wake() {
    wake.wake();
  }

  /** Starts delivering: a round every {@code pollInterval} and whenever woken. */
  public Disposable start(Duration pollInterval) {
    return BackgroundLoop.start(
        channel + " notification dispatch",
        Flux.merge(BackgroundLoop.every(pollInterval), wake.signals()),
        this::drain);
  }

  /**
   * Rounds until one delivers nothing (an LRA's next event becomes its head once one is delivered).
   */
  Mono<Void> drain() {
    return round()
        .expand(n -> n > 0 ? round() : Mono.empty())
        .then()
        .onErrorResume(
            e -> {
              LOG.warn("{} notification round failed; will retry: {}", channel, e.toString());
              return Mono.empty();
            });
  }

  /** One round; emits how many events were delivered. */
  Mono<Integer> round() {
    Instant now = clock.instant();
    Flux<OutboxEvent> due =
        channel == OutboxEvent.Channel.WEBHOOK
            ? outbox.dueWebhooks(now, batch)
            : outbox.dueMails(now, batch);
    return due.flatMap(this::attempt, batch)
        .filter(Boolean::booleanValue)
        .count()
        .map(Long::intValue);
  }

  /** One attempt and its durable outcome; emits whether the event was delivered. */
  Mono<Boolean> attempt(OutboxEvent e) {
    int attempt = e.attempts() + 1;
    return sender
        .send(e, attempt)
        .then(Mono.defer(() -> outbox.delivered(e.id(), attempt, clock.instant())))
        .doOnSuccess(v -> delivered.increment())
        .thenReturn(true)
        .onErrorResume(ex -> failed(e, attempt, ex).thenReturn(false));
  }

  private Mono<Void> failed(OutboxEvent e, int attempt, Throwable ex) {
    String why = ex.getMessage() == null ? ex.toString() : ex.getMessage();
    if (ex instanceof NotificationSender.Undeliverable) {
      undeliverable.increment();
      LOG.warn("{} event {} ({}) is undeliverable: {}", channel, e.id(), e.type(), why);
      return outbox.giveUp(e.id(), attempt, OutboxEvent.State.UNDELIVERABLE, why);
    }
    RetrySchedule.Decision next = schedule.afterFailure(e, attempt, clock.instant());
    if (next instanceof RetrySchedule.Retry r) {
      retried.increment();
      LOG.info(
          "{} event {} attempt {} failed, next at {}: {}", channel, e.id(), attempt, r.at(), why);
      return outbox.retryLater(e.id(), r.attempts(), r.at(), why);
    }
    dead.increment();
    LOG.warn("{} event {} is dead after {} attempts: {}", channel, e.id(), attempt, why);
    return outbox.giveUp(e.id(), attempt, OutboxEvent.State.DEAD, why);
  }
}
