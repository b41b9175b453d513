package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import io.gpki.sync.AuditRecord;
import io.gpki.sync.AuditSeal;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Clock;
import java.util.Objects;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/** The audit log over R2DBC. */
public final class AuditR2dbcLog implements AuditLog {

  private static final String SEAL_COLUMNS =
      "seq, sealed_at, hash, key_id, algorithm, public_key, signature";

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter writer;

  public AuditR2dbcLog(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.writer = new AuditWriter(db, clock);
  }

  @Override
  public Mono<AuditRecord> append(AuditEvent event) {
    return tx.transactional(writer.append(event));
  }

  @Override
  public Mono<AuditRecord> head() {
    return db.sql("SELECT " + AuditWriter.COLUMNS + " FROM audit_log ORDER BY seq DESC LIMIT 1")
        .map(AuditWriter::record)
        .one();
  }

  @Override
  public Mono<AuditRecord> lastOfType(String type) {
    return db.sql(
            "SELECT "
                + AuditWriter.COLUMNS
                + " FROM audit_log WHERE type = :type ORDER BY seq DESC LIMIT 1")
        .bind("type", type)
        .map(AuditWriter::record)
        .one();
  }

  @Override
  public Mono<AuditSeal> latestSeal() {
    return db.sql("SELECT " + SEAL_COLUMNS + " FROM audit_seal ORDER BY seq DESC LIMIT 1")
        .map(
            r ->
                new AuditSeal(
                    Objects.requireNonNull(r.get("seq", Long.class)),
                    Rows.instant(r, "sealed_at"),
                    Rows.bytes(r, "hash"),
                    Rows.str(r, "key_id"),
                    Rows.str(r, "algorithm"),
                    Rows.bytes(r, "public_key"),
                    Rows.bytes(r, "signature")))
        .one();
  }

  @Override
  public Mono<AuditSeal> seal(AuditSeal s) {
    return db.sql(
            "INSERT INTO audit_seal ("
                + SEAL_COLUMNS
                + ") VALUES (:seq, :at, :hash, :key, :alg, :pub, :sig)"
                + " ON CONFLICT (seq) DO NOTHING")
        .bind("seq", s.seq())
        .bind("at", s.sealedAt())
        .bind("hash", s.hash())
        .bind("key", s.keyId())
        .bind("alg", s.algorithm())
        .bind("pub", s.publicKey())
        .bind("sig", s.signature())
        .fetch()
        .rowsUpdated()
        .flatMap(
            n ->
                n == 0
                    ? Mono.<Long>empty()
                    : writer.log().row(ReplicatedTable.AUDIT_SEAL, Long.toString(s.seq()), s.seq()))
        .as(tx::transactional)
        .thenReturn(s);
  }
}
