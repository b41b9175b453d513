package io.gpki.sync.store;

import io.gpki.sync.AuditChain;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditRecord;
import java.time.Clock;
import java.time.Instant;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Appends to the audit chain inside the caller's transaction. The head row is locked, so concurrent
 * writers serialise and a rollback leaves neither a gap nor a broken link.
 */
final class AuditWriter {

  static final String COLUMNS =
      "seq, recorded_at, type, source, actor, object, outcome, detail, prev_hash, hash";

  private final DatabaseClient db;
  private final Clock clock;
  private final ChangeLogWriter log;

  AuditWriter(DatabaseClient db, Clock clock) {
    this.db = db;
    this.clock = clock;
    this.log = new ChangeLogWriter(db, clock);
  }

  /** The change-log writer sharing this writer's client (same transaction). */
  ChangeLogWriter log() {
    return log;
  }

  /** Appends one record; must run inside a transaction. */
  Mono<AuditRecord> append(AuditEvent e) {
    // change_log_head before audit_head, in every transaction (see ChangeLogWriter#lockHead).
    return log.lockHead()
        .then(
            db.sql("SELECT last_seq, last_hash FROM audit_head WHERE id = 1 FOR UPDATE")
                .map(r -> new Object[] {r.get(0, Long.class), Rows.bytes(r, "last_hash")})
                .one()
                .flatMap(
                    head -> {
                      long seq = (Long) head[0] + 1;
                      byte[] prev = (byte[]) head[1];
                      Instant now = AuditChain.stored(clock.instant());
                      byte[] hash = AuditChain.hash(prev, seq, now, e);
                      return db.sql(
                              "INSERT INTO audit_log ("
                                  + COLUMNS
                                  + ") VALUES (:seq, :at, :type, :source, :actor,"
                                  + " :object, :outcome, :detail, :prev, :hash)")
                          .bind("seq", seq)
                          .bind("at", now)
                          .bind("type", e.type())
                          .bind("source", e.source())
                          .bind("actor", e.actor())
                          .bind("object", e.object())
                          .bind("outcome", e.outcome())
                          .bind("detail", e.detail())
                          .bind("prev", prev)
                          .bind("hash", hash)
                          .then()
                          .then(
                              db.sql(
                                      "UPDATE audit_head SET last_seq = :seq, last_hash = :hash WHERE id = 1")
                                  .bind("seq", seq)
                                  .bind("hash", hash)
                                  .then())
                          .then(log.row(ReplicatedTable.AUDIT, Long.toString(seq), seq))
                          .thenReturn(new AuditRecord(seq, now, e, prev, hash));
                    }));
  }

  static AuditRecord record(io.r2dbc.spi.Readable r) {
    return new AuditRecord(
        java.util.Objects.requireNonNull(r.get("seq", Long.class)),
        Rows.instant(r, "recorded_at"),
        new AuditEvent(
            Rows.str(r, "type"),
            Rows.str(r, "source"),
            Rows.str(r, "actor"),
            Rows.str(r, "object"),
            Rows.str(r, "outcome"),
            Rows.str(r, "detail")),
        Rows.bytes(r, "prev_hash"),
        Rows.bytes(r, "hash"));
  }
}
