package io.gpki.sync.store;

import io.gpki.sync.Referral;
import io.gpki.sync.ReferralStore;
import io.gpki.sync.StoreException;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Referrals over R2DBC; each mutation and its change-log entry commit in one transaction. */
public final class R2dbcReferralStore implements ReferralStore {

  private static final String COLUMNS =
      "id, base_dn, base_dn_key, ldap_url, http_url, created_at, updated_at";

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final ChangeLogWriter log;

  public R2dbcReferralStore(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.log = new ChangeLogWriter(db, clock);
  }

  @Override
  public Mono<Referral> put(Referral r) {
    Mono<Referral> work =
        db.sql(
                "INSERT INTO referral ("
                    + COLUMNS
                    + ") VALUES (:id, :dn, :key, :ldap, :http, :created,"
                    + " :updated) ON CONFLICT (id) DO UPDATE SET base_dn = EXCLUDED.base_dn,"
                    + " base_dn_key = EXCLUDED.base_dn_key, ldap_url = EXCLUDED.ldap_url,"
                    + " http_url = EXCLUDED.http_url, updated_at = EXCLUDED.updated_at"
                    + " RETURNING "
                    + COLUMNS)
            .bind("id", r.id())
            .bind("dn", r.baseDn())
            .bind("key", r.baseDnKey())
            .bind("ldap", r.ldapUrl())
            .bind("http", r.httpUrl() == null ? Parameters.in(String.class) : r.httpUrl())
            .bind("created", r.createdAt())
            .bind("updated", r.updatedAt())
            .map(R2dbcReferralStore::row)
            .one()
            .flatMap(
                saved ->
                    log.upsert(
                            "REFERRAL",
                            ReplicatedTable.REFERRAL,
                            saved.id(),
                            payload(saved),
                            saved.id())
                        .thenReturn(saved));
    return tx.transactional(work)
        .onErrorMap(
            e ->
                e instanceof DataIntegrityViolationException
                    || e instanceof R2dbcDataIntegrityViolationException,
            e -> new StoreException.Conflict("a referral for " + r.baseDn() + " exists", e));
  }

  @Override
  public Mono<Boolean> delete(String id) {
    Mono<Boolean> work =
        db.sql("DELETE FROM referral WHERE id = :id RETURNING id")
            .bind("id", id)
            .map(row -> row.get(0, String.class))
            .one()
            .flatMap(
                gone ->
                    log.delete(
                            "REFERRAL",
                            ReplicatedTable.REFERRAL,
                            gone,
                            Json.object().put("id", gone).build())
                        .thenReturn(Boolean.TRUE))
            .defaultIfEmpty(Boolean.FALSE);
    return tx.transactional(work);
  }

  @Override
  public Flux<Referral> referrals() {
    return db.sql("SELECT " + COLUMNS + " FROM referral ORDER BY id")
        .map(R2dbcReferralStore::row)
        .all();
  }

  private static Referral row(Readable r) {
    return new Referral(
        r.get("id", String.class),
        r.get("base_dn", String.class),
        r.get("base_dn_key", String.class),
        r.get("ldap_url", String.class),
        r.get("http_url", String.class),
        instant(r.get("created_at", OffsetDateTime.class)),
        instant(r.get("updated_at", OffsetDateTime.class)));
  }

  private static Instant instant(OffsetDateTime t) {
    return t.toInstant();
  }

  private static String payload(Referral r) {
    return Json.object()
        .put("id", r.id())
        .put("baseDn", r.baseDn())
        .put("baseDnKey", r.baseDnKey())
        .put("ldapUrl", r.ldapUrl())
        .put("httpUrl", r.httpUrl())
        .put("createdAt", r.createdAt())
        .put("updatedAt", r.updatedAt())
        .build();
  }
}
