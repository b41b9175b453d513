package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.ExpiringCertificate;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The notification outbox and LRA notification settings over R2DBC. */
public final class R2dbcNotificationOutbox implements NotificationOutbox {

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter audit;

  public R2dbcNotificationOutbox(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.audit = new AuditWriter(db, clock);
  }

  @Override
  public Mono<LraNotificationSettings> saveSettings(LraNotificationSettings s, AuditEvent event) {
    Mono<LraNotificationSettings> work =
        db.sql(
                "INSERT INTO lra_notification ("
                    + OutboxRows.SETTINGS
                    + ") VALUES (:lra, :url, :mail, :at, :by)"
                    + " ON CONFLICT (lra_id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url,"
                    + " contact_email = EXCLUDED.contact_email, updated_at = EXCLUDED.updated_at,"
                    + " updated_by = EXCLUDED.updated_by")
            .bind("lra", s.lraId())
            .bind("url", OutboxRows.text(s.webhookUrl()))
            .bind("mail", OutboxRows.text(s.contactEmail()))
            .bind("at", s.updatedAt())
            .bind("by", s.updatedBy())
            .then()
            .then(audit.append(event))
            .then(audit.log().row(ReplicatedTable.LRA_NOTIFICATION, s.lraId(), s.lraId()))
            .thenReturn(s);
    return R2dbcRegistrationStore.conflicts(tx.transactional(work), "no LRA " + s.lraId());
  }

  @Override
  public Mono<LraNotificationSettings> settings(String lraId) {
    return db.sql("SELECT " + OutboxRows.SETTINGS + " FROM lra_notification WHERE lra_id = :lra")
        .bind("lra", lraId)
        .map(OutboxRows::settings)
        .one();
  }

  @Override
  public Mono<Integer> enqueue(List<OutboxEvent> events) {
    return events.isEmpty()
        ? Mono.just(0)
        : tx.transactional(OutboxRows.insertAll(db, audit.log(), events));
  }

  @Override
  public Flux<OutboxEvent> dueWebhooks(Instant now, int limit) {
    // The head of each LRA's queue only: a later event never overtakes one still being retried.
    return db.sql(
            "SELECT "
                + OutboxRows.EVENT
                + " FROM (SELECT DISTINCT ON (lra_id) "
                + OutboxRows.EVENT
                + " FROM notification_outbox WHERE channel = 'WEBHOOK' AND state = 'PENDING' ORDER BY lra_id, seq)"
                + " head WHERE next_attempt_at <= :now ORDER BY seq LIMIT :limit")
        .bind("now", now)
        .bind("limit", limit)
        .map(OutboxRows::event)
        .all();
  }

  @Override
  public Flux<OutboxEvent> dueMails(Instant now, int limit) {
    return db.sql(
            "SELECT "
                + OutboxRows.EVENT
                + " FROM notification_outbox WHERE channel = 'EMAIL' AND state = 'PENDING'"
                + " AND next_attempt_at <= :now ORDER BY seq LIMIT :limit")
        .bind("now", now)
        .bind("limit", limit)
        .map(OutboxRows::event)
        .all();
  }

  @Override
  public Mono<Void> delivered(String id, int attempts, Instant at) {
    return db.sql(
            "UPDATE notification_outbox SET state = 'DELIVERED', attempts = :attempts, delivered_at = :at,"
                + " last_error = NULL WHERE id = :id AND state = 'PENDING'")
        .bind("attempts", attempts)
        .bind("at", at)
        .bind("id", id)
        .fetch()
        .rowsUpdated()
        .as(n -> logged(id, n));
  }

  /** Each delivery-state change commits with its change-log entry. */
  private Mono<Void> logged(String id, Mono<Long> update) {
    return update
        .flatMap(n -> n == 0 ? Mono.<Long>empty() : audit.log().row(ReplicatedTable.OUTBOX, id, id))
        .as(tx::transactional)
        .then();
  }

  @Override
  public Mono<Void> retryLater(String id, int attempts, Instant next, String error) {
    return db.sql(
            "UPDATE notification_outbox SET attempts = :attempts, next_attempt_at = :next, last_error = :error"
                + " WHERE id = :id AND state = 'PENDING'")
        .bind("attempts", attempts)
        .bind("next", next)
        .bind("error", error)
        .bind("id", id)
        .fetch()
        .rowsUpdated()
        .as(n -> logged(id, n));
  }

  @Override
  public Mono<Void> giveUp(String id, int attempts, OutboxEvent.State state, String error) {
    if (state == OutboxEvent.State.PENDING || state == OutboxEvent.State.DELIVERED) {
      return Mono.error(new IllegalArgumentException("not a final failure state: " + state));
    }
    return db.sql(
            "UPDATE notification_outbox SET state = :state, attempts = :attempts, last_error = :error"
                + " WHERE id = :id AND state = 'PENDING'")
        .bind("state", state.name())
        .bind("attempts", attempts)
        .bind("error", error)
        .bind("id", id)
        .fetch()
        .rowsUpdated()
        .as(n -> logged(id, n));
  }

  @Override
  public Mono<OutboxEvent> event(String id) {
    return db.sql("SELECT " + OutboxRows.EVENT + " FROM notification_outbox WHERE id = :id")
        .bind("id", id)
        .map(OutboxRows::event)
        .one();
  }

  @Override
  public Flux<OutboxEvent> events(String lraId, OutboxEvent.@Nullable State state, int limit) {
    return db.sql(
            "SELECT "
                + OutboxRows.EVENT
                + " FROM notification_outbox WHERE lra_id = :lra"
                + " AND (CAST(:state AS text) IS NULL OR state = :state) ORDER BY seq DESC LIMIT :limit")
        .bind("lra", lraId)
        .bind("state", OutboxRows.text(state == null ? null : state.name()))
        .bind("limit", limit)
        .map(OutboxRows::event)
        .all();
  }

  @Override
  public Mono<Map<String, Long>> counts() {
    return db.sql(
            "SELECT channel, state, count(*) AS n FROM notification_outbox GROUP BY channel, state")
        .map(
            r ->
                Map.entry(
                    Rows.str(r, "channel") + "/" + Rows.str(r, "state"),
                    Objects.requireNonNull(r.get("n", Long.class))))
        .all()
        .collectMap(Map.Entry::getKey, Map.Entry::getValue);
  }

  @Override
  public Flux<ExpiringCertificate> expiringWithout(
      Instant now, Instant until, String dedupePrefix, int limit) {
    return db.sql(
            "SELECT r.lra_id, r.id AS request_id, c.issuer_ca_id, c.serial_hex, c.not_after, c.der"
                + " FROM registration_request r JOIN certificate c ON c.issuer_ca_id = r.ca_id"
                + " AND c.serial_hex = r.result_serial WHERE r.kind = 'ISSUE' AND r.state = 'DONE'"
                + " AND c.revoked_at IS NULL AND c.not_after > :now AND c.not_after <= :until AND NOT EXISTS"
                + " (SELECT 1 FROM notification_outbox o WHERE o.dedupe_key = :prefix || c.issuer_ca_id || '/'"
                + " || c.serial_hex || '/EMAIL') ORDER BY c.not_after LIMIT :limit")
        .bind("now", now)
        .bind("until", until)
        .bind("prefix", dedupePrefix)
        .bind("limit", limit)
        .map(OutboxRows::expiring)
        .all();
  }
}
