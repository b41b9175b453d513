package io.gpki.sync;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The durable notification outbox and the LRAs' notification settings. Completion events are
 * written by {@link RegistrationJournal#complete(String, String, AuditEvent, List)} in the
 * completion's transaction; this port adds later events (expiry), hands due events to the
 * dispatchers and records each attempt's outcome, so retries (attempt count, next attempt time)
 * survive restarts.
 */
public interface NotificationOutbox {

  /**
   * Sets an LRA's webhook URL and contact address, with its audit record in the same transaction.
   */
  Mono<LraNotificationSettings> saveSettings(LraNotificationSettings settings, AuditEvent audit);

  /** An LRA's settings, or empty. */
  Mono<LraNotificationSettings> settings(String lraId);

  /**
   * Stores events in one transaction. WEBHOOK events are stored only when their LRA has a webhook
   * URL; an event whose dedupe key is already stored is skipped. Emits how many were stored.
   */
  Mono<Integer> enqueue(List<OutboxEvent> events);

  /**
   * Due webhook events: per LRA only its oldest pending event (delivery in order), when its next
   * attempt is due, at most {@code limit} LRAs.
   */
  Flux<OutboxEvent> dueWebhooks(Instant now, int limit);

  /** Due mail events in order, at most {@code limit}. */
  Flux<OutboxEvent> dueMails(Instant now, int limit);

  /** Marks an event delivered (no-op unless pending). */
  Mono<Void> delivered(String id, int attempts, Instant at);

  /** Records a failed attempt and when to try again. */
  Mono<Void> retryLater(String id, int attempts, Instant next, String error);

  /** Gives an event up: {@code DEAD} (too old) or {@code UNDELIVERABLE} (cannot be sent). */
  Mono<Void> giveUp(String id, int attempts, OutboxEvent.State state, String error);

  /** One event, or empty. */
  Mono<OutboxEvent> event(String id);

  /** An LRA's events, newest first, optionally only those in one state. */
  Flux<OutboxEvent> events(String lraId, OutboxEvent.@Nullable State state, int limit);

  /** Event counts by "CHANNEL/STATE" (for the metric). */
  Mono<Map<String, Long>> counts();

  /**
   * Unrevoked LRA-issued certificates with {@code now < notAfter <= until} that have no mail event
   * under the dedupe key {@code dedupePrefix + caId + "/" + serial + "/EMAIL"} yet (mail events are
   * always stored, possibly as UNDELIVERABLE, so that key marks the certificate as notified).
   */
  Flux<ExpiringCertificate> expiringWithout(
      Instant now, Instant until, String dedupePrefix, int limit);
}
