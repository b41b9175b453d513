package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The write side of two-person approvals. */
final class RegistrationApprovalWriter {

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter audit;
  private final R2dbcRegistrationStore store;
  private final Clock clock;

  RegistrationApprovalWriter(
      DatabaseClient db,
      TransactionalOperator tx,
      AuditWriter audit,
      R2dbcRegistrationStore store,
      Clock clock) {
    this.db = db;
    this.tx = tx;
    this.audit = audit;
    this.store = store;
    this.clock = clock;
  }

  Mono<OperatorApproval> request(OperatorApproval a, byte[] evidence, AuditEvent event) {
    Mono<OperatorApproval> work =
        db.sql(
                "INSERT INTO operator_approval ("
                    + RegistrationRows.APPROVAL
                    + ", evidence) VALUES (:id,"
                    + " :action, :target, :json, :by, :at, :expires, :key, 'PENDING', NULL, NULL, NULL, NULL, NULL,"
                    + " :evidence)"
                    + " ON CONFLICT (requested_by, idempotency_key) DO NOTHING RETURNING "
                    + RegistrationRows.APPROVAL)
            .bind("id", a.id())
            .bind("action", a.action())
            .bind("target", a.target())
            .bind("json", a.requestJson())
            .bind("by", a.requestedBy())
            .bind("at", a.requestedAt())
            .bind("expires", a.expiresAt())
            .bind("key", a.idempotencyKey())
            .bind("evidence", evidence)
            .map(RegistrationRows::approval)
            .one()
            .flatMap(
                saved ->
                    audit.append(event).then(row(saved.id(), saved.action())).thenReturn(saved))
            .switchIfEmpty(
                Mono.defer(
                    () ->
                        db.sql(
                                "SELECT "
                                    + RegistrationRows.APPROVAL
                                    + " FROM operator_approval"
                                    + " WHERE requested_by = :by AND idempotency_key = :key")
                            .bind("by", a.requestedBy())
                            .bind("key", a.idempotencyKey())
                            .map(RegistrationRows::approval)
                            .one()));
    return tx.transactional(work);
  }

  Mono<OperatorApproval> approve(
      String id,
      String approverId,
      byte[] evidence,
      List<JournalEntry> released,
      AuditEvent event) {
    return approve(id, approverId, evidence, released, false, event);
  }

  /**
   * @param execute record the work in the approval ({@code execution = PENDING}) for the executor
   */
  Mono<OperatorApproval> approve(
      String id,
      String approverId,
      byte[] evidence,
      List<JournalEntry> released,
      boolean execute,
      AuditEvent event) {
    Instant now = clock.instant();
    Mono<OperatorApproval> work =
        db.sql(
                "SELECT "
                    + RegistrationRows.APPROVAL
                    + " FROM operator_approval WHERE id = :id FOR UPDATE")
            .bind("id", id)
            .map(RegistrationRows::approval)
            .one()
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no approval request " + id)))
            .flatMap(
                a -> {
                  if (!a.state().equals("PENDING")) {
                    return Mono.error(conflict("approval request " + id + " is " + a.state()));
                  }
                  if (a.requestedBy().equals(approverId)) {
                    return Mono.error(conflict("the requester cannot approve their own request"));
                  }
                  if (!a.expiresAt().isAfter(now)) {
                    return Mono.error(new Expired(id));
                  }
                  return db.sql(
                          "UPDATE operator_approval SET state = 'APPROVED', approved_by = :by,"
                              + " approved_at = :now, evidence = evidence || :evidence"
                              + (execute ? ", execution = 'PENDING'" : "")
                              + " WHERE id = :id"
                              + " RETURNING "
                              + RegistrationRows.APPROVAL)
                      .bind("by", approverId)
                      .bind("now", now)
                      .bind("evidence", evidence)
                      .bind("id", id)
                      .map(RegistrationRows::approval)
                      .one()
                      .flatMap(
                          approved ->
                              Flux.fromIterable(released)
                                  .concatMap(store::insertInTransaction)
                                  .then(audit.append(event))
                                  .then(row(id, approved.action()))
                                  .thenReturn(approved));
                });
    return tx.transactional(work)
        .onErrorResume(
            Expired.class,
            e -> expire(id, approverId).then(Mono.error(conflict(String.valueOf(e.getMessage())))));
  }

  private Mono<Void> expire(String id, String approverId) {
    Mono<Void> work =
        db.sql(
                "UPDATE operator_approval SET state = 'EXPIRED' WHERE id = :id AND state = 'PENDING'"
                    + " RETURNING action")
            .bind("id", id)
            .map(r -> java.util.Objects.requireNonNull(r.get("action", String.class)))
            .one()
            .flatMap(
                action ->
                    audit
                        .append(
                            new AuditEvent(
                                "APPROVAL",
                                "operations",
                                approverId,
                                id,
                                "EXPIRED",
                                "approval came after the request expired"))
                        .then(row(id, action)))
            .then();
    return tx.transactional(work);
  }

  private Mono<Long> row(String id, String action) {
    return centerAction(action)
        ? audit.log().centerRow(ReplicatedTable.APPROVAL, id, id)
        : audit.log().row(ReplicatedTable.APPROVAL, id, id);
  }

  /**
   * The center's own actions, requested and approved where the center is not the master (a FAILOVER
   * at the backup, an UNFENCE at a fenced center): their approval rows stay local there.
   */
  static boolean centerAction(String action) {
    return action.equals("FAILOVER") || action.equals("UNFENCE");
  }

  private static StoreException.Conflict conflict(String message) {
    return new StoreException.Conflict(message, new IllegalStateException(message));
  }

  /** The request expired before approval. */
  private static final class Expired extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Expired(String id) {
      super("approval request " + id + " expired");
    }
  }
}
