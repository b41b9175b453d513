package io.gpki.sync.store;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CaRegistry;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateStore;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrlStore;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.CrossPairStore;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.Revocation;
import io.gpki.sync.RevokedEntry;
import io.gpki.sync.StoreException;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The repository store over R2DBC. Each mutation and its change-log entry commit in one
 * transaction.
 */
public final class R2dbcRepositoryStore
    implements CaRegistry,
        CertificateStore,
        CrlStore,
        CrossPairStore,
        ChangeLogReader,
        RepositoryContentSource {

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final TransactionalOperator readTx;
  private final ChangeLogWriter log;
  private final Clock clock;
  private final R2dbcCertificateLookup lookup;

  public R2dbcRepositoryStore(ConnectionFactory connections, Clock clock) {
    this(
        connections,
        clock,
        new R2dbcCertificateLookup(connections, io.gpki.sync.CertificateLookupKeys.NONE));
  }

  /**
   * @param lookup writes each stored certificate's RFC 4387 keys in the inserting transaction
   */
  public R2dbcRepositoryStore(
      ConnectionFactory connections, Clock clock, R2dbcCertificateLookup lookup) {
    this.lookup = lookup;
    this.db = DatabaseClient.create(connections);
    R2dbcTransactionManager tm = new R2dbcTransactionManager(connections);
    this.tx = TransactionalOperator.create(tm);
    DefaultTransactionDefinition read = new DefaultTransactionDefinition();
    read.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    read.setReadOnly(true);
    this.readTx = TransactionalOperator.create(tm, read);
    this.log = new ChangeLogWriter(db, clock);
    this.clock = clock;
  }

  // --- CaRegistry -------------------------------------------------------------------------------

  @Override
  public Mono<CaRecord> createCa(CaRecord ca, CaKeyRecord firstKey) {
    Mono<CaRecord> work =
        db.sql(
                "INSERT INTO ca ("
                    + Rows.CA_COLUMNS
                    + ") VALUES (:id, :name, :role, :dn, :der, :policy,"
                    + " :gen, :created, :updated)")
            .bind("id", ca.id())
            .bind("name", ca.displayName())
            .bind("role", ca.role())
            .bind("dn", ca.subjectDn())
            .bind("der", ca.subjectDer())
            .bind("policy", nullable(ca.policyOid()))
            .bind("gen", ca.currentGeneration())
            .bind("created", ca.createdAt())
            .bind("updated", ca.updatedAt())
            .then()
            .then(log.upsert("CA", ReplicatedTable.CA, ca.id(), Payloads.ca(ca), ca.id()))
            .then(insertKey(firstKey))
            .thenReturn(ca);
    return conflicts(tx.transactional(work), "CA " + ca.id() + " exists");
  }

  @Override
  public Mono<CaRecord> addKeyGeneration(CaKeyRecord key) {
    Mono<CaRecord> work =
        insertKey(key)
            .then(
                db.sql(
                        "UPDATE ca SET current_generation = :gen, updated_at = :now WHERE id = :id"
                            + " RETURNING "
                            + Rows.CA_COLUMNS)
                    .bind("gen", key.generation())
                    .bind("now", clock.instant())
                    .bind("id", key.caId())
                    .map(Rows::ca)
                    .one())
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no CA " + key.caId())))
            .flatMap(
                ca ->
                    log.upsert("CA", ReplicatedTable.CA, ca.id(), Payloads.ca(ca), ca.id())
                        .thenReturn(ca));
    return conflicts(tx.transactional(work), "key generation exists");
  }

  @Override
  public Mono<CaKeyRecord> addStandbyKeyGeneration(CaKeyRecord key) {
    return conflicts(tx.transactional(insertKey(key).thenReturn(key)), "key generation exists");
  }

  @Override
  public Mono<CaRecord> activateKeyGeneration(String caId, int generation) {
    Mono<CaRecord> work =
        db.sql(
                "UPDATE ca SET current_generation = :gen, updated_at = :now WHERE id = :id"
                    + " AND current_generation <> :gen AND EXISTS (SELECT 1 FROM ca_key WHERE ca_id = :id"
                    + " AND generation = :gen) RETURNING "
                    + Rows.CA_COLUMNS)
            .bind("gen", generation)
            .bind("now", clock.instant())
            .bind("id", caId)
            .map(Rows::ca)
            .one()
            .flatMap(
                ca ->
                    log.upsert("CA", ReplicatedTable.CA, ca.id(), Payloads.ca(ca), ca.id())
                        .thenReturn(ca))
            .switchIfEmpty(
                Mono.defer(
                    () ->
                        ca(caId)
                            .filter(ca -> ca.currentGeneration() == generation)
                            .switchIfEmpty(
                                Mono.error(
                                    new StoreException.NotFound(
                                        "no key generation " + generation + " of CA " + caId)))));
    return tx.transactional(work);
  }

  private Mono<Void> insertKey(CaKeyRecord k) {
    return db.sql(
            "INSERT INTO ca_key ("
                + Rows.KEY_COLUMNS
                + ") VALUES (:ca, :gen, :keyId, :source, :pub,"
                + " :ident, :created)")
        .bind("ca", k.caId())
        .bind("gen", k.generation())
        .bind("keyId", k.keyId())
        .bind("source", k.keySource())
        .bind("pub", k.publicKey())
        .bind("ident", k.keyIdentifier())
        .bind("created", k.createdAt())
        .then()
        .then(
            log.upsert(
                "CA_KEY",
                ReplicatedTable.CA_KEY,
                k.caId() + "/" + k.generation(),
                Payloads.key(k),
                k.caId(),
                k.generation()))
        .then();
  }

  @Override
  public Flux<CaRecord> cas() {
    return db.sql("SELECT " + Rows.CA_COLUMNS + " FROM ca ORDER BY id").map(Rows::ca).all();
  }

  @Override
  public Mono<CaRecord> ca(String id) {
    return db.sql("SELECT " + Rows.CA_COLUMNS + " FROM ca WHERE id = :id")
        .bind("id", id)
        .map(Rows::ca)
        .one();
  }

  @Override
  public Flux<CaKeyRecord> keys(String caId) {
    return db.sql(
            "SELECT " + Rows.KEY_COLUMNS + " FROM ca_key WHERE ca_id = :id ORDER BY generation")
        .bind("id", caId)
        .map(Rows::key)
        .all();
  }

  // --- CertificateStore -------------------------------------------------------------------------

  @Override
  public Mono<CertificateRecord> store(CertificateRecord c) {
    Mono<CertificateRecord> work =
        db.sql(
                "INSERT INTO certificate (issuer_ca_id, issuer_generation, serial_hex, kind, profile,"
                    + " subject_ca_id, is_ca, subject_dn, subject_der, issuer_dn, not_before, not_after,"
                    + " subject_key_ident, spki_sha256, sha1, sha256, der, issued_at, label, lookup_version)"
                    + " VALUES (:issuer, :gen, :serial, :kind, :profile, :subjectCa, :isCa, :dn, :dnDer,"
                    + " :issuerDn, :nb, :na, :ski, :spki, :sha1, :sha256, :der, :issued, :label, :lookup)"
                    + " RETURNING id")
            .bind("issuer", c.issuerCaId())
            .bind("gen", c.issuerGeneration())
            .bind("serial", c.serialHex())
            .bind("kind", c.kind().name())
            .bind("profile", c.profile())
            .bind("subjectCa", nullable(c.subjectCaId()))
            .bind("isCa", c.ca())
            .bind("dn", c.subjectDn())
            .bind("dnDer", c.subjectDer())
            .bind("issuerDn", c.issuerDn())
            .bind("nb", c.notBefore())
            .bind("na", c.notAfter())
            .bind("ski", c.subjectKeyIdentifier())
            .bind("spki", c.spkiSha256())
            .bind("sha1", c.sha1())
            .bind("sha256", c.sha256())
            .bind("der", c.der())
            .bind("issued", c.issuedAt())
            .bind("label", nullable(c.label()))
            .bind("lookup", lookupVersion())
            .map(r -> r.get(0, Long.class))
            .one()
            .map(c::withId)
            // The RFC 4387 lookup keys commit with the certificate: a certificate is findable as
            // soon
            // as it is stored. Derived data, so not in the change-log payload.
            .flatMap(saved -> lookup.insert(java.util.List.of(saved)).thenReturn(saved))
            .flatMap(
                saved ->
                    log.upsert(
                            "CERTIFICATE",
                            ReplicatedTable.CERTIFICATE,
                            key(saved),
                            Payloads.certificate(saved),
                            saved.id())
                        .thenReturn(saved));
    return conflicts(
        tx.transactional(work), "serial " + c.serialHex() + " already used by " + c.issuerCaId());
  }

  @Override
  public Mono<CertificateRecord> revoke(String issuerCaId, String serialHex, Revocation r) {
    Mono<CertificateRecord> work =
        db.sql(
                "UPDATE certificate SET revoked_at = :at, revocation_reason = :reason,"
                    + " invalidity_date = :inv WHERE issuer_ca_id = :issuer AND serial_hex = :serial"
                    + " AND revoked_at IS NULL RETURNING "
                    + Rows.CERT_COLUMNS)
            .bind("at", r.revokedAt())
            .bind("reason", (short) r.reason())
            .bind(
                "inv",
                r.invalidityDate() == null
                    ? io.r2dbc.spi.Parameters.in(Instant.class)
                    : r.invalidityDate())
            .bind("issuer", issuerCaId)
            .bind("serial", serialHex)
            .map(Rows::certificate)
            .one()
            .flatMap(
                revoked ->
                    log.upsert(
                            "REVOCATION",
                            ReplicatedTable.CERTIFICATE,
                            key(revoked),
                            Payloads.certificate(revoked),
                            revoked.id())
                        .thenReturn(revoked))
            .switchIfEmpty(
                find(issuerCaId, serialHex)
                    .switchIfEmpty(
                        Mono.error(
                            new StoreException.NotFound(
                                "no certificate " + serialHex + " issued by " + issuerCaId))));
    return tx.transactional(work);
  }

  @Override
  public Mono<CertificateRecord> find(String issuerCaId, String serialHex) {
    return db.sql(
            "SELECT "
                + Rows.CERT_COLUMNS
                + " FROM certificate WHERE issuer_ca_id = :issuer AND serial_hex = :serial")
        .bind("issuer", issuerCaId)
        .bind("serial", serialHex)
        .map(Rows::certificate)
        .one();
  }

  @Override
  public Mono<Boolean> serialExists(String issuerCaId, String serialHex) {
    return db.sql("SELECT 1 FROM certificate WHERE issuer_ca_id = :issuer AND serial_hex = :serial")
        .bind("issuer", issuerCaId)
        .bind("serial", serialHex)
        .map(r -> Boolean.TRUE)
        .first()
        .defaultIfEmpty(Boolean.FALSE);
  }

  @Override
  public Flux<CertificateRecord> revokedUnexpired(String issuerCaId, boolean ca, Instant at) {
    return db.sql(
            "SELECT "
                + Rows.CERT_COLUMNS
                + " FROM certificate WHERE issuer_ca_id = :issuer"
                + " AND is_ca = :ca AND revoked_at IS NOT NULL AND not_after > :at ORDER BY id")
        .bind("issuer", issuerCaId)
        .bind("ca", ca)
        .bind("at", at)
        .map(Rows::certificate)
        .all();
  }

  @Override
  public Flux<RevokedEntry> revokedEntries(String issuerCaId, boolean ca, Instant at) {
    return db.sql(
            "SELECT serial_hex, revoked_at, revocation_reason, invalidity_date FROM certificate"
                + " WHERE issuer_ca_id = :issuer AND is_ca = :ca AND revoked_at IS NOT NULL"
                + " AND not_after > :at ORDER BY id")
        .bind("issuer", issuerCaId)
        .bind("ca", ca)
        .bind("at", at)
        .map(
            r ->
                new RevokedEntry(
                    Rows.str(r, "serial_hex"),
                    java.util.Objects.requireNonNull(Rows.revocation(r))))
        .all();
  }

  // --- CrlStore ---------------------------------------------------------------------------------

  @Override
  public Mono<CrlRecord> archive(CrlRecord crl) {
    Mono<CrlRecord> work =
        db.sql("SELECT id FROM ca WHERE id = :id FOR UPDATE")
            .bind("id", crl.caId())
            .map(r -> r.get(0, String.class))
            .one()
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no CA " + crl.caId())))
            .then(
                db.sql("SELECT max(crl_number) FROM crl WHERE ca_id = :id AND scope = :scope")
                    .bind("id", crl.caId())
                    .bind("scope", crl.scope())
                    .map(r -> java.util.Optional.ofNullable(r.get(0, BigDecimal.class)))
                    .one())
            .flatMap(
                max -> {
                  if (max.isPresent()
                      && max.get().toBigIntegerExact().compareTo(crl.number()) >= 0) {
                    return Mono.error(
                        new StoreException.Conflict(
                            crl.scope()
                                + " number "
                                + crl.number()
                                + " of "
                                + crl.caId()
                                + " does not exceed the last issued "
                                + max.get(),
                            null));
                  }
                  return insertCrl(crl);
                });
    return conflicts(tx.transactional(work), crl.scope() + " number " + crl.number() + " exists");
  }

  private Mono<CrlRecord> insertCrl(CrlRecord c) {
    return db.sql(
            "INSERT INTO crl (ca_id, scope, crl_number, this_update, next_update, signer_key_id,"
                + " entry_count, sha256, der) VALUES (:ca, :scope, :number, :tu, :nu, :key, :count,"
                + " :sha, :der) RETURNING id")
        .bind("ca", c.caId())
        .bind("scope", c.scope())
        .bind("number", new BigDecimal(c.number()))
        .bind("tu", c.thisUpdate())
        .bind("nu", c.nextUpdate())
        .bind("key", c.signerKeyId())
        .bind("count", c.entryCount())
        .bind("sha", c.sha256())
        .bind("der", c.der())
        .map(r -> r.get(0, Long.class))
        .one()
        .map(
            id ->
                new CrlRecord(
                    id,
                    c.caId(),
                    c.scope(),
                    c.number(),
                    c.thisUpdate(),
                    c.nextUpdate(),
                    c.signerKeyId(),
                    c.entryCount(),
                    c.sha256(),
                    c.der()))
        .flatMap(
            saved ->
                log.upsert(
                        "CRL",
                        ReplicatedTable.CRL,
                        saved.caId() + "/" + saved.scope() + "/" + saved.number(),
                        Payloads.crl(saved),
                        saved.id())
                    .thenReturn(saved));
  }

  @Override
  public Mono<CrlRecord> latest(String caId, String scope) {
    return db.sql(
            "SELECT "
                + Rows.CRL_COLUMNS
                + " FROM crl WHERE ca_id = :ca AND scope = :scope ORDER BY crl_number DESC LIMIT 1")
        .bind("ca", caId)
        .bind("scope", scope)
        .map(Rows::crl)
        .one();
  }

  @Override
  public Mono<CrlRecord> byNumber(String caId, String scope, BigInteger number) {
    return db.sql(
            "SELECT "
                + Rows.CRL_COLUMNS
                + " FROM crl WHERE ca_id = :ca AND scope = :scope AND crl_number = :n")
        .bind("ca", caId)
        .bind("scope", scope)
        .bind("n", new BigDecimal(number))
        .map(Rows::crl)
        .one();
  }

  // --- CrossPairStore ---------------------------------------------------------------------------

  @Override
  public Mono<CrossPairRecord> put(CrossPairRecord p) {
    Mono<CrossPairRecord> work =
        db.sql(
                "INSERT INTO cross_pair ("
                    + Rows.PAIR_COLUMNS
                    + ") VALUES (:id, :owner, :peer, :fwd,"
                    + " :rev, :der, :at) ON CONFLICT (id) DO UPDATE SET forward_cert_id ="
                    + " EXCLUDED.forward_cert_id, reverse_cert_id = EXCLUDED.reverse_cert_id, der ="
                    + " EXCLUDED.der, updated_at = EXCLUDED.updated_at")
            .bind("id", p.id())
            .bind("owner", p.ownerCaId())
            .bind("peer", p.peerCaId())
            .bind(
                "fwd",
                p.forwardCertId() == null
                    ? io.r2dbc.spi.Parameters.in(Long.class)
                    : p.forwardCertId())
            .bind(
                "rev",
                p.reverseCertId() == null
                    ? io.r2dbc.spi.Parameters.in(Long.class)
                    : p.reverseCertId())
            .bind("der", p.der())
            .bind("at", p.updatedAt())
            .then()
            .then(
                log.upsert(
                    "CROSS_PAIR", ReplicatedTable.CROSS_PAIR, p.id(), Payloads.pair(p), p.id()))
            .thenReturn(p);
    return conflicts(tx.transactional(work), "cross pair " + p.id() + " conflicts");
  }

  // --- ChangeLogReader --------------------------------------------------------------------------

  @Override
  public Mono<Long> head() {
    return db.sql("SELECT last_seq FROM change_log_head WHERE id = 1")
        .map(r -> r.get(0, Long.class))
        .one();
  }

  @Override
  public Flux<ChangeLogEntry> after(long afterSeq, int limit) {
    return db.sql(
            "SELECT "
                + Rows.LOG_COLUMNS
                + " FROM change_log WHERE seq > :after ORDER BY seq LIMIT :limit")
        .bind("after", afterSeq)
        .bind("limit", limit)
        .map(Rows::logEntry)
        .all();
  }

  // --- RepositoryContentSource ------------------------------------------------------------------

  @Override
  public Mono<RepositoryContent> load() {
    Mono<RepositoryContent> work =
        Mono.zip(
                head(),
                cas().collectList(),
                db.sql("SELECT " + Rows.KEY_COLUMNS + " FROM ca_key ORDER BY ca_id, generation")
                    .map(Rows::key)
                    .all()
                    .collectList(),
                db.sql("SELECT " + Rows.CERT_COLUMNS + " FROM certificate WHERE is_ca ORDER BY id")
                    .map(Rows::certificate)
                    .all()
                    .collectList(),
                db.sql(
                        "SELECT "
                            + Rows.CERT_COLUMNS
                            + " FROM certificate WHERE NOT is_ca AND label IS NOT NULL ORDER BY id")
                    .map(Rows::certificate)
                    .all()
                    .collectList(),
                db.sql(
                        "SELECT DISTINCT ON (ca_id, scope) "
                            + Rows.CRL_COLUMNS
                            + " FROM crl ORDER BY ca_id, scope, crl_number DESC")
                    .map(Rows::crl)
                    .all()
                    .collectList(),
                db.sql("SELECT " + Rows.PAIR_COLUMNS + " FROM cross_pair ORDER BY id")
                    .map(Rows::pair)
                    .all()
                    .collectList())
            .map(
                t ->
                    new RepositoryContent(
                        t.getT1(), t.getT2(), t.getT3(), t.getT4(), t.getT5(), t.getT6(),
                        t.getT7()));
    return readTx.transactional(work);
  }

  // --- helpers ----------------------------------------------------------------------------------

  private Object lookupVersion() {
    Short v = lookup.version();
    return v == null ? io.r2dbc.spi.Parameters.in(Short.class) : v;
  }

  private static String key(CertificateRecord c) {
    return c.issuerCaId() + "/" + c.serialHex();
  }

  private static Object nullable(@Nullable String value) {
    return value == null ? io.r2dbc.spi.Parameters.in(String.class) : value;
  }

  private static <T> Mono<T> conflicts(Mono<T> work, String message) {
    return work.onErrorMap(
        e ->
            e instanceof DataIntegrityViolationException
                || e instanceof R2dbcDataIntegrityViolationException,
        e -> new StoreException.Conflict(message, e));
  }
}
