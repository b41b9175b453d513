package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.StoreException;
import java.time.Clock;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The executor's side of approved actions: pending work, the plan reserved before signing, the
 * result.
 */
final class ApprovalExecutionWriter {

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter audit;
  private final Clock clock;

  ApprovalExecutionWriter(
      DatabaseClient db, TransactionalOperator tx, AuditWriter audit, Clock clock) {
    this.db = db;
    this.tx = tx;
    this.audit = audit;
    this.clock = clock;
  }

  Flux<OperatorApproval> toExecute(int limit) {
    return db.sql(
            "SELECT "
                + RegistrationRows.APPROVAL
                + " FROM operator_approval WHERE execution = 'PENDING'"
                + " ORDER BY approved_at, id LIMIT :limit")
        .bind("limit", limit)
        .map(RegistrationRows::approval)
        .all();
  }

  Mono<String> plan(String id, String plan, AuditEvent event) {
    Mono<String> work =
        db.sql(
                "SELECT plan FROM operator_approval WHERE id = :id AND execution = 'PENDING' FOR UPDATE")
            .bind("id", id)
            .map(r -> java.util.Optional.ofNullable(r.get("plan", String.class)))
            .one()
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no pending execution " + id)))
            .flatMap(
                existing ->
                    existing.isPresent()
                        ? Mono.just(existing.get())
                        : db.sql("UPDATE operator_approval SET plan = :plan WHERE id = :id")
                            .bind("plan", plan)
                            .bind("id", id)
                            .then()
                            .then(audit.append(event))
                            .then(audit.log().row(ReplicatedTable.APPROVAL, id, id))
                            .thenReturn(plan));
    return tx.transactional(work);
  }

  Mono<OperatorApproval> executed(String id, boolean done, String result, AuditEvent event) {
    Mono<OperatorApproval> work =
        db.sql(
                "UPDATE operator_approval SET execution = :state, result = :result, executed_at = :now"
                    + " WHERE id = :id AND execution = 'PENDING' RETURNING "
                    + RegistrationRows.APPROVAL)
            .bind("state", done ? "DONE" : "FAILED")
            .bind("result", result)
            .bind("now", clock.instant())
            .bind("id", id)
            .map(RegistrationRows::approval)
            .one()
            .flatMap(
                a ->
                    audit
                        .append(event)
                        .then(
                            RegistrationApprovalWriter.centerAction(a.action())
                                ? audit.log().centerRow(ReplicatedTable.APPROVAL, id, id)
                                : audit.log().row(ReplicatedTable.APPROVAL, id, id))
                        .thenReturn(a))
            .switchIfEmpty(
                Mono.defer(
                    () ->
                        db.sql(
                                "SELECT "
                                    + RegistrationRows.APPROVAL
                                    + " FROM operator_approval WHERE id = :id")
                            .bind("id", id)
                            .map(RegistrationRows::approval)
                            .one()));
    return tx.transactional(work);
  }
}
