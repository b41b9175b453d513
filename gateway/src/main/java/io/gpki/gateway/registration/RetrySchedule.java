package io.gpki.gateway.registration;

import io.gpki.sync.OutboxEvent;
import java.time.Duration;
import java.time.Instant;

/**
 * When to try a failed notification again: exponential backoff from {@code initial}, times {@code
 * multiplier} per further failure, capped at {@code max}; an event older than {@code maxAge} at the
 * time of a failure (or whose next attempt would fall after it) is given up.
 */
public record RetrySchedule(Duration initial, double multiplier, Duration max, Duration maxAge) {

  /** What follows a failed attempt. */
  public sealed interface Decision permits Retry, GiveUp {}

  /**
   * Try again at {@code at}.
   *
   * @param attempts attempts made so far
   * @param at when the next one is due
   */
  public record Retry(int attempts, Instant at) implements Decision {}

  /**
   * Stop: the event is dead.
   *
   * @param attempts attempts made
   */
  public record GiveUp(int attempts) implements Decision {}

  /** The wait after the {@code attempts}-th failure (1 = the first). */
  public Duration delay(int attempts) {
    double millis = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempts - 1));
    return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
  }

  /** The decision after attempt number {@code attempts} of {@code e} failed at {@code now}. */
  public Decision afterFailure(OutboxEvent e, int attempts, Instant now) {
    Instant deadline = e.createdAt().plus(maxAge);
    Instant next = now.plus(delay(attempts));
    return next.isAfter(deadline) ? new GiveUp(attempts) : new Retry(attempts, next);
  }
}
