package io.gpki.sync.store;

import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.StoreException;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Appends to the change log inside the caller's transaction. The sequence comes from a single
 * counter row, so concurrent writers serialise on it and a rollback leaves no gap. Each entry is
 * chained: {@code hash} covers the previous entry's hash (see {@link ChangeLogChain}), and the head
 * row keeps the last hash, updated in the same transaction.
 *
 * <p>Every entry carries a row image of the entity's table ({@link ReplicatedTable}), read in the
 * same statement that takes the sequence number, so the backup applies an entry alone. Only a
 * MASTER center (or a database without a {@code center_state} row) appends: at a BACKUP or FENCED
 * center a write that would append fails with {@link StoreException.ReadOnly}, except the center's
 * own audit records and its own center actions ({@link #centerRow}), which stay local (the backup
 * keeps its own audit chain and decides its own failover; the log there is the master's).
 */
final class ChangeLogWriter {

  /** The head update; {@code IMAGE} is replaced by the row-image expression. */
  private static final String HEAD =
      "UPDATE change_log_head SET last_seq = last_seq + 1 WHERE id = 1"
          + " AND NOT EXISTS (SELECT 1 FROM center_state WHERE id = 1 AND role <> 'MASTER')"
          + " RETURNING last_seq, last_hash, COALESCE((SELECT epoch FROM center_state WHERE id = 1), 1) AS epoch,"
          + " (CAST(:base AS jsonb) || jsonb_build_object('row', IMAGE))::text AS payload";

  private final DatabaseClient db;
  private final Clock clock;

  ChangeLogWriter(DatabaseClient db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * Takes the head row's lock first. Writers that also take the audit head call this before it, so
   * every transaction locks change_log_head before audit_head and none can deadlock.
   */
  Mono<Void> lockHead() {
    return db.sql("SELECT last_seq FROM change_log_head WHERE id = 1 FOR UPDATE").then();
  }

  /**
   * Appends the current row of {@code table} with key {@code pk} (payload {@code {"row": ...}}).
   */
  Mono<Long> row(ReplicatedTable table, String entityKey, Object... pk) {
    Mono<Long> appended = append(table.name(), table, entityKey, "{}", "UPSERT", false, pk);
    if (table != ReplicatedTable.SERVER_KEY) {
      return appended;
    }
    // The PKCS#12 rides as this record's attachment while it exists, and is erased with it.
    return appended.flatMap(
        seq ->
            db.sql("DELETE FROM change_log_secret WHERE request_id = :id")
                .bind("id", pk[0])
                .then()
                .then(
                    db.sql(
                            "INSERT INTO change_log_secret (seq, request_id, content) SELECT :seq, request_id, pkcs12"
                                + " FROM registration_server_key WHERE request_id = :id AND pkcs12 IS NOT NULL")
                        .bind("seq", seq)
                        .bind("id", pk[0])
                        .then())
                .thenReturn(seq));
  }

  /**
   * Appends the current row like {@link #row}, but at a BACKUP or FENCED center the row stays local
   * (emits 0, nothing appended): for the center's own actions, which only a non-master can take (a
   * FAILOVER requested and approved at the backup, an UNFENCE at a fenced center). The backup's log
   * is the master's, so an own entry there would break the chain it continues after promotion; once
   * the center is MASTER again, the next write of the row (its execution) logs the whole row.
   */
  Mono<Long> centerRow(ReplicatedTable table, String entityKey, Object... pk) {
    return append(table.name(), table, entityKey, "{}", "UPSERT", true, pk);
  }

  /** Appends an UPSERT of an entity with schema-1 fields {@code base} plus the row image. */
  Mono<Long> upsert(
      String entity, ReplicatedTable table, String entityKey, String base, Object... pk) {
    return append(entity, table, entityKey, base, "UPSERT", false, pk);
  }

  /** Appends a DELETE; {@code keyJson} names the row by its key columns and is the image. */
  Mono<Long> delete(String entity, ReplicatedTable table, String entityKey, String keyJson) {
    return append(entity, table, entityKey, keyJson, "DELETE", false);
  }

  /**
   * Appends one entry; must run inside a transaction together with the mutation it records.
   *
   * @param base the entity's JSON fields (schema 1 consumers read them); the row image is added
   * @param localAtNonMaster at a BACKUP or FENCED center, keep the row local instead of failing
   * @param pk the table's key values, in {@link ReplicatedTable#key} order
   */
  private Mono<Long> append(
      String entity,
      ReplicatedTable table,
      String entityKey,
      String base,
      String op,
      boolean localAtNonMaster,
      Object... pk) {
    Instant now = clock.instant();
    String image =
        "DELETE".equals(op)
            ? "CAST(:base AS jsonb)"
            : "(SELECT "
                + table.image()
                + " FROM "
                + table.table
                + " WHERE "
                + table.keyPredicate()
                + ")";
    DatabaseClient.GenericExecuteSpec head =
        db.sql(HEAD.replace("IMAGE", image)).bind("base", base);
    if (!"DELETE".equals(op)) {
      for (int i = 0; i < pk.length; i++) {
        head = head.bind("k" + i, pk[i]);
      }
    }
    // The head's lock first, in a statement of its own: the role check of the head update then
    // runs on a snapshot taken after the lock, so a demotion (which holds the head while it makes
    // the center BACKUP) is seen by every writer that waited for it (docs/dr.md, "Failback").
    return lockHead()
        .then(
            head.map(
                    r ->
                        new Head(
                            java.util.Objects.requireNonNull(r.get("last_seq", Long.class)),
                            r.get("last_hash", byte[].class),
                            java.util.Objects.requireNonNull(r.get("epoch", Long.class)),
                            java.util.Objects.requireNonNull(r.get("payload", String.class))))
                .one())
        .flatMap(h -> insert(h, now, entity, entityKey, op))
        .switchIfEmpty(
            Mono.defer(
                () ->
                    localAtNonMaster
                            || table == ReplicatedTable.AUDIT
                            || table == ReplicatedTable.AUDIT_SEAL
                        ? Mono.just(0L)
                        : Mono.error(
                            new StoreException.ReadOnly(
                                "this center is not the master: "
                                    + entity
                                    + " "
                                    + entityKey
                                    + " must be written at the master center"))));
  }

  private Mono<Long> insert(Head h, Instant now, String entity, String entityKey, String op) {
    byte[] prev = h.lastHash == null ? ChangeLogChain.genesis() : h.lastHash;
    int version = ChangeLogChain.SCHEMA_V2;
    byte[] hash =
        ChangeLogChain.hash(version, h.epoch, h.seq, prev, entity, entityKey, op, h.payload);
    return db.sql(
            "WITH ins AS (INSERT INTO change_log (seq, recorded_at, entity, entity_key, op, payload, epoch,"
                + " schema_version, prev_hash, hash) VALUES (:seq, :at, :entity, :key, :op, CAST(:payload AS jsonb),"
                + " :epoch, :v, :prev, :hash)) UPDATE change_log_head SET last_hash = :hash WHERE id = 1")
        .bind("seq", h.seq)
        .bind("at", now)
        .bind("entity", entity)
        .bind("key", entityKey)
        .bind("op", op)
        .bind("payload", h.payload)
        .bind("epoch", h.epoch)
        .bind("v", (short) version)
        .bind("prev", prev)
        .bind("hash", hash)
        .then()
        .thenReturn(h.seq);
  }

  private record Head(long seq, byte @Nullable [] lastHash, long epoch, String payload) {}
}
