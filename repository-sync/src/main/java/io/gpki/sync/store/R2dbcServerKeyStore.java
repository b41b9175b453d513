package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.GeneratedKey;
import io.gpki.sync.JournalAcceptance;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.ServerKeyStore;
import io.gpki.sync.StoreException;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/** Server-generated keys over R2DBC (table {@code registration_server_key}, schema V6). */
final class R2dbcServerKeyStore implements ServerKeyStore {

  private static final String COLUMNS =
      "request_id, algorithm, public_key, secret_sha256, created_at, delivered_at, delivered_by,"
          + " pkcs12 IS NOT NULL AS available";

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter audit;
  private final R2dbcRegistrationStore journal;
  private final Clock clock;

  R2dbcServerKeyStore(
      DatabaseClient db,
      TransactionalOperator tx,
      AuditWriter audit,
      R2dbcRegistrationStore journal,
      Clock clock) {
    this.db = db;
    this.tx = tx;
    this.audit = audit;
    this.journal = journal;
    this.clock = clock;
  }

  @Override
  public Mono<JournalAcceptance> accept(
      JournalEntry entry, GeneratedKey key, byte[] pkcs12, AuditEvent event) {
    Mono<JournalAcceptance> work =
        journal
            .insertInTransaction(entry)
            .flatMap(
                saved ->
                    db.sql(
                            "INSERT INTO registration_server_key (request_id, algorithm, public_key, pkcs12,"
                                + " secret_sha256, created_at) VALUES (:id, :alg, :pub, :p12, :sha, :at)")
                        .bind("id", saved.id())
                        .bind("alg", key.algorithm())
                        .bind("pub", key.publicKey())
                        .bind("p12", pkcs12)
                        .bind("sha", key.secretSha256())
                        .bind("at", key.createdAt())
                        .then()
                        .then(audit.append(event))
                        .then(logRow(saved.id()))
                        .thenReturn(new JournalAcceptance(saved, false)))
            .switchIfEmpty(
                Mono.defer(
                    () ->
                        journal
                            .findByKey(entry.lraId(), entry.idempotencyKey())
                            .map(first -> new JournalAcceptance(first, true))));
    return tx.transactional(work);
  }

  @Override
  public Mono<GeneratedKey> generatedKey(String requestId) {
    return db.sql("SELECT " + COLUMNS + " FROM registration_server_key WHERE request_id = :id")
        .bind("id", requestId)
        .map(R2dbcServerKeyStore::row)
        .one();
  }

  @Override
  public Mono<byte[]> deliver(String requestId, String operatorId, AuditEvent event) {
    Mono<byte[]> work =
        db.sql(
                "SELECT pkcs12, delivered_at FROM registration_server_key WHERE request_id = :id FOR UPDATE")
            .bind("id", requestId)
            .map(
                r ->
                    new Held(
                        r.get("pkcs12") == null ? null : Rows.bytes(r, "pkcs12"),
                        Rows.nullableInstant(r, "delivered_at")))
            .one()
            .switchIfEmpty(
                Mono.error(
                    new StoreException.NotFound("request " + requestId + " has no generated key")))
            .flatMap(
                held -> {
                  if (held.pkcs12() == null) {
                    String why =
                        held.deliveredAt() == null
                            ? "is gone (the request was rejected)"
                            : "was already delivered at " + held.deliveredAt();
                    return Mono.error(
                        new StoreException.Conflict(
                            "the PKCS#12 " + why, new IllegalStateException(why)));
                  }
                  return db.sql(
                          "UPDATE registration_server_key SET pkcs12 = NULL, delivered_at = :now,"
                              + " delivered_by = :by WHERE request_id = :id")
                      .bind("now", clock.instant())
                      .bind("by", operatorId)
                      .bind("id", requestId)
                      .then()
                      .then(audit.append(event))
                      .then(logRow(requestId))
                      .thenReturn(held.pkcs12());
                });
    return tx.transactional(work);
  }

  /** Clears the PKCS#12 of a rejected request (inside the caller's transaction). */
  Mono<Void> discardInTransaction(String requestId) {
    return db.sql("UPDATE registration_server_key SET pkcs12 = NULL WHERE request_id = :id")
        .bind("id", requestId)
        .then()
        .then(logRow(requestId))
        .then();
  }

  // The sealed PKCS#12 replicates (encrypted to a secret neither center stores), so a request the
  // master accepted can be picked up at the backup after a failover.
  private Mono<Long> logRow(String requestId) {
    return audit.log().row(ReplicatedTable.SERVER_KEY, requestId, requestId);
  }

  private static GeneratedKey row(Readable r) {
    return new GeneratedKey(
        Rows.str(r, "request_id"),
        Rows.str(r, "algorithm"),
        Rows.bytes(r, "public_key"),
        Rows.bytes(r, "secret_sha256"),
        Rows.instant(r, "created_at"),
        Rows.nullableInstant(r, "delivered_at"),
        r.get("delivered_by", String.class),
        Boolean.TRUE.equals(r.get("available", Boolean.class)));
  }

  private record Held(byte @Nullable [] pkcs12, @Nullable Instant deliveredAt) {}
}
