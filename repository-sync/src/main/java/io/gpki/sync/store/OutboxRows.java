package io.gpki.sync.store;

import io.gpki.sync.ExpiringCertificate;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.OutboxEvent;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.Readable;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Column lists, row mappers and the insert of the notification tables (V5). */
final class OutboxRows {

  static final String EVENT =
      "id, seq, channel, lra_id, event_type, recipient, dedupe_key, payload, state, attempts, next_attempt_at,"
          + " created_at, delivered_at, last_error";
  static final String SETTINGS = "lra_id, webhook_url, contact_email, updated_at, updated_by";

  private OutboxRows() {}

  /**
   * Inserts events inside the caller's transaction: a WEBHOOK event only when its LRA has a webhook
   * URL, and nothing for a dedupe key already stored. Emits how many rows were inserted.
   */
  static Mono<Integer> insertAll(DatabaseClient db, ChangeLogWriter log, List<OutboxEvent> events) {
    return Flux.fromIterable(events)
        .concatMap(
            e ->
                insert(db, e)
                    .flatMap(
                        n ->
                            n == 0
                                ? Mono.just(0)
                                : log.row(ReplicatedTable.OUTBOX, e.id(), e.id()).thenReturn(n)))
        .reduce(0, Integer::sum);
  }

  private static Mono<Integer> insert(DatabaseClient db, OutboxEvent e) {
    return db.sql(
            "INSERT INTO notification_outbox (id, channel, lra_id, event_type, recipient, dedupe_key, payload, state,"
                + " attempts, next_attempt_at, created_at, last_error) SELECT :id, :channel, :lra, :type, :recipient,"
                + " :dedupe, :payload, :state, 0, :next, :created, :error WHERE :channel <> 'WEBHOOK' OR EXISTS"
                + " (SELECT 1 FROM lra_notification n WHERE n.lra_id = :lra AND n.webhook_url IS NOT NULL)"
                + " ON CONFLICT DO NOTHING")
        .bind("id", e.id())
        .bind("channel", e.channel().name())
        .bind("lra", e.lraId())
        .bind("type", e.type())
        .bind("recipient", text(e.recipient()))
        .bind("dedupe", text(e.dedupeKey()))
        .bind("payload", e.payload())
        .bind("state", e.state().name())
        .bind("next", e.nextAttemptAt())
        .bind("created", e.createdAt())
        .bind("error", text(e.lastError()))
        .fetch()
        .rowsUpdated()
        .map(Long::intValue);
  }

  static Object text(@Nullable String value) {
    return value == null ? Parameters.in(String.class) : value;
  }

  static OutboxEvent event(Readable r) {
    return new OutboxEvent(
        Rows.str(r, "id"),
        Objects.requireNonNull(r.get("seq", Long.class)),
        OutboxEvent.Channel.valueOf(Rows.str(r, "channel")),
        Rows.str(r, "lra_id"),
        Rows.str(r, "event_type"),
        r.get("recipient", String.class),
        r.get("dedupe_key", String.class),
        Rows.str(r, "payload"),
        OutboxEvent.State.valueOf(Rows.str(r, "state")),
        Objects.requireNonNull(r.get("attempts", Integer.class)),
        Rows.instant(r, "next_attempt_at"),
        Rows.instant(r, "created_at"),
        Rows.nullableInstant(r, "delivered_at"),
        r.get("last_error", String.class));
  }

  static LraNotificationSettings settings(Readable r) {
    return new LraNotificationSettings(
        Rows.str(r, "lra_id"),
        r.get("webhook_url", String.class),
        r.get("contact_email", String.class),
        Rows.instant(r, "updated_at"),
        Rows.str(r, "updated_by"));
  }

  static ExpiringCertificate expiring(Readable r) {
    return new ExpiringCertificate(
        Rows.str(r, "lra_id"),
        Rows.str(r, "request_id"),
        Rows.str(r, "issuer_ca_id"),
        Rows.str(r, "serial_hex"),
        Rows.instant(r, "not_after"),
        Rows.bytes(r, "der"));
  }
}
