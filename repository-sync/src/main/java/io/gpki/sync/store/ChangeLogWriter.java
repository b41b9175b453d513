package io.gpki.sync.store;

import java.time.Clock;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Appends to the change log inside the caller's transaction. The sequence comes from a single counter
 * row, so concurrent writers serialise on it and a rollback leaves no gap.
 */
final class ChangeLogWriter {

  private final DatabaseClient db;
  private final Clock clock;

  ChangeLogWriter(DatabaseClient db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** Appends one entry; must run inside a transaction together with the mutation it records. */
  Mono<Long> append(String entity, String entityKey, String payloadJson) {
    return append(entity, entityKey, payloadJson, "UPSERT");
  }

  /** Appends one entry with an explicit operation ({@code UPSERT} or {@code DELETE}). */
  Mono<Long> append(String entity, String entityKey, String payloadJson, String op) {
    Instant now = clock.instant();
    return db.sql("UPDATE change_log_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq")
        .map(r -> r.get(0, Long.class))
        .one()
        .flatMap(
            seq ->
                db.sql(
                        "INSERT INTO change_log (seq, recorded_at, entity, entity_key, op, payload)"
                            + " VALUES (:seq, :at, :entity, :key, :op, CAST(:payload AS jsonb))")
                    .bind("seq", seq)
                    .bind("at", now)
                    .bind("entity", entity)
                    .bind("key", entityKey)
                    .bind("op", op)
                    .bind("payload", payloadJson)
                    .then()
                    .thenReturn(seq));
  }
}
