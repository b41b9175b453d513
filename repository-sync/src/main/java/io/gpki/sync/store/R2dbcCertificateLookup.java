package io.gpki.sync.store;

import io.gpki.sync.CertificateLookupBackfill;
import io.gpki.sync.CertificateLookupKey;
import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.CertificateLookupOverlap;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateSearch;
import io.r2dbc.spi.ConnectionFactory;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code certificate_lookup} table: writes a certificate's RFC 4387 keys (inside the caller's
 * transaction when called from the store), searches by key, and backfills older rows.
 */
public final class R2dbcCertificateLookup
    implements CertificateSearch, CertificateLookupBackfill, CertificateLookupOverlap {

  private static final Logger LOG = LoggerFactory.getLogger(R2dbcCertificateLookup.class);

  /**
   * Longer values are not stored: a B-tree entry must fit a third of a page, and no sane DN, e-mail
   * address or URI is this long. Such a value is only found in the snapshot (CA and labelled
   * certificates).
   */
  static final int MAX_VALUE_LENGTH = 1024;

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final CertificateLookupKeys keys;

  public R2dbcCertificateLookup(ConnectionFactory connections, CertificateLookupKeys keys) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.keys = keys;
  }

  /**
   * The version to store with a certificate indexed now, or {@code null} when there is no key
   * function.
   */
  @Nullable Short version() {
    return keys.version() == 0 ? null : (short) keys.version();
  }

  /**
   * Inserts the keys of stored certificates; runs in the caller's transaction when there is one.
   */
  Mono<Void> insert(List<CertificateRecord> stored) {
    if (keys.version() == 0 || stored.isEmpty()) {
      return Mono.empty();
    }
    List<Long> ids = new ArrayList<>();
    List<String> attributes = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (CertificateRecord c : stored) {
      for (CertificateLookupKey k : derive(c)) {
        if (k.value().length() <= MAX_VALUE_LENGTH) {
          ids.add(c.id());
          attributes.add(k.attribute());
          values.add(k.value());
        }
      }
    }
    if (ids.isEmpty()) {
      return Mono.empty();
    }
    return db.sql(
            "INSERT INTO certificate_lookup (certificate_id, attribute, value)"
                + " SELECT i, a, v FROM unnest(:ids::bigint[], :attrs::text[], :vals::text[]) AS k(i, a, v)"
                + " ON CONFLICT DO NOTHING")
        .bind("ids", ids.toArray(new Long[0]))
        .bind("attrs", attributes.toArray(new String[0]))
        .bind("vals", values.toArray(new String[0]))
        .then();
  }

  /**
   * The keys; a certificate the function cannot parse gets none (it is still stored and served by
   * id).
   */
  private List<CertificateLookupKey> derive(CertificateRecord c) {
    try {
      return keys.keys(c);
    } catch (RuntimeException e) {
      LOG.warn(
          "no RFC 4387 lookup keys for certificate {}/{}: {}",
          c.issuerCaId(),
          c.serialHex(),
          e.toString());
      return List.of();
    }
  }

  @Override
  public Flux<CertificateRecord> find(String attribute, String value, int limit) {
    if (value.length() > MAX_VALUE_LENGTH) {
      return Flux.empty();
    }
    return db.sql(
            "SELECT "
                + Rows.CERT_COLUMNS
                + " FROM certificate WHERE id IN (SELECT certificate_id FROM"
                + " certificate_lookup WHERE attribute = :attr AND value = :value) ORDER BY id LIMIT :limit")
        .bind("attr", attribute)
        .bind("value", value)
        .bind("limit", limit)
        .map(Rows::certificate)
        .all();
  }

  @Override
  public Flux<CertificateLookupKey> sharedWithUnlabelled() {
    // The published set is the snapshot's: CA certificates and labelled end-entity certificates
    // (R2dbcRepositoryStore.load). LATERAL ... LIMIT 1 keeps it one probe of the key index per key
    // of
    // theirs, never a join over every end-entity certificate's keys.
    return db.sql(
            "SELECT p.attribute, p.value FROM (SELECT DISTINCT k.attribute, k.value FROM certificate pc"
                + " JOIN certificate_lookup k ON k.certificate_id = pc.id WHERE pc.is_ca OR pc.label IS NOT NULL) p"
                + " CROSS JOIN LATERAL (SELECT 1 FROM certificate_lookup o JOIN certificate oc ON oc.id ="
                + " o.certificate_id WHERE o.attribute = p.attribute AND o.value = p.value AND NOT oc.is_ca"
                + " AND oc.label IS NULL LIMIT 1) u")
        .map(
            r ->
                new CertificateLookupKey(
                    r.get("attribute", String.class), r.get("value", String.class)))
        .all();
  }

  @Override
  public Mono<Long> indexAfter(long afterId, int batch) {
    Short version = version();
    if (version == null) {
      return Mono.empty();
    }
    Mono<Long> work =
        db.sql(
                "SELECT "
                    + Rows.CERT_COLUMNS
                    + " FROM certificate WHERE id > :after AND"
                    + " (lookup_version IS NULL OR lookup_version < :version) ORDER BY id LIMIT :batch"
                    + " FOR UPDATE SKIP LOCKED")
            .bind("after", afterId)
            .bind("version", version)
            .bind("batch", batch)
            .map(Rows::certificate)
            .all()
            .collectList()
            .filter(rows -> !rows.isEmpty())
            .flatMap(
                rows -> {
                  Long[] ids = rows.stream().map(CertificateRecord::id).toArray(Long[]::new);
                  return db.sql(
                          "DELETE FROM certificate_lookup WHERE certificate_id = ANY(:ids::bigint[])")
                      .bind("ids", ids)
                      .then()
                      .then(insert(rows))
                      .then(
                          db.sql(
                                  "UPDATE certificate SET lookup_version = :version WHERE id = ANY(:ids::bigint[])")
                              .bind("version", version)
                              .bind("ids", ids)
                              .then())
                      .thenReturn(ids[ids.length - 1]);
                });
    return tx.transactional(work);
  }
}
