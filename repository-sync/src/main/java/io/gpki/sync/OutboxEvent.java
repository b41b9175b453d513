package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One notification in the durable outbox.
 *
 * @param id the stable event id (the same on every delivery attempt; receivers deduplicate by it)
 * @param seq delivery order (per LRA for webhooks); 0 before it is stored
 * @param channel webhook to the LRA, or mail to the subscriber
 * @param lraId the LRA the certificate or request belongs to
 * @param type {@code issued}, {@code revoked}, {@code rejected} or {@code expiring}
 * @param recipient the mail address (EMAIL), or {@code null} (WEBHOOK: the LRA's URL at delivery
 *     time)
 * @param dedupeKey at most one event per key is ever stored (expiring: certificate, threshold,
 *     channel)
 * @param payload the event's JSON
 * @param state where delivery is
 * @param attempts delivery attempts so far
 * @param nextAttemptAt when the next attempt is due
 * @param createdAt when the event was stored
 * @param deliveredAt when it was delivered
 * @param lastError why the last attempt failed, or why it is dead or undeliverable
 */
public record OutboxEvent(
    String id,
    long seq,
    Channel channel,
    String lraId,
    String type,
    @Nullable String recipient,
    @Nullable String dedupeKey,
    String payload,
    State state,
    int attempts,
    Instant nextAttemptAt,
    Instant createdAt,
    @Nullable Instant deliveredAt,
    @Nullable String lastError) {

  /** How an event travels. */
  public enum Channel {
    WEBHOOK,
    EMAIL
  }

  /** Delivery state. PENDING is retried; the others are final. */
  public enum State {
    PENDING,
    DELIVERED,
    /** Given up after the maximum age. */
    DEAD,
    /** Never sent: no address, or the channel is switched off. */
    UNDELIVERABLE
  }

  /** A new event, due now. */
  public static OutboxEvent pending(
      String id,
      Channel channel,
      String lraId,
      String type,
      @Nullable String recipient,
      @Nullable String dedupeKey,
      String payload,
      Instant now) {
    return new OutboxEvent(
        id,
        0,
        channel,
        lraId,
        type,
        recipient,
        dedupeKey,
        payload,
        State.PENDING,
        0,
        now,
        now,
        null,
        null);
  }

  /** A new event that will never be sent, kept (visible, counted) rather than dropped. */
  public static OutboxEvent undeliverable(
      String id,
      Channel channel,
      String lraId,
      String type,
      @Nullable String recipient,
      @Nullable String dedupeKey,
      String payload,
      Instant now,
      String why) {
    return new OutboxEvent(
        id,
        0,
        channel,
        lraId,
        type,
        recipient,
        dedupeKey,
        payload,
        State.UNDELIVERABLE,
        0,
        now,
        now,
        null,
        why);
  }
}
