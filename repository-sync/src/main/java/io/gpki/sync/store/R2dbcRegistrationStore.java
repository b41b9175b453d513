package io.gpki.sync.store;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.JournalAcceptance;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraRecord;
import io.gpki.sync.LraRegistry;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorApprovals;
import io.gpki.sync.OperatorRecord;
import io.gpki.sync.OutboxEvent;
import io.gpki.sync.RegistrationCertificateRef;
import io.gpki.sync.RegistrationFeedEvent;
import io.gpki.sync.RegistrationJournal;
import io.gpki.sync.ServerKeyStore;
import io.gpki.sync.StoreException;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Parameters;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The registration journal, LRA registry and approvals over R2DBC. Every state change commits with
 * its audit record in one transaction. Certificates are only read here; they are written through
 * the repository store.
 */
public final class R2dbcRegistrationStore
    implements RegistrationJournal, LraRegistry, OperatorApprovals {

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final AuditWriter audit;
  private final Clock clock;
  private final R2dbcServerKeyStore serverKeys;

  public R2dbcRegistrationStore(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.audit = new AuditWriter(db, clock);
    this.clock = clock;
    this.serverKeys = new R2dbcServerKeyStore(db, tx, audit, this, clock);
  }

  /** Server-generated keys, sharing this store's pool and transactions. */
  public ServerKeyStore serverKeys() {
    return serverKeys;
  }

  // --- RegistrationJournal ----------------------------------------------------------------------

  @Override
  public Mono<JournalAcceptance> accept(JournalEntry e, AuditEvent event) {
    Mono<JournalAcceptance> work =
        insert(e)
            .flatMap(saved -> audit.append(event).thenReturn(new JournalAcceptance(saved, false)))
            .switchIfEmpty(
                Mono.defer(
                    () ->
                        byKey(e.lraId(), e.idempotencyKey())
                            .map(first -> new JournalAcceptance(first, true))));
    return tx.transactional(work);
  }

  private Mono<JournalEntry> insert(JournalEntry e) {
    return db.sql(
            "INSERT INTO registration_request (id, lra_id, operator_id, idempotency_key, kind, priority,"
                + " ca_id, request_json, request_sha256, evidence, state, accepted_at) VALUES (:id, :lra,"
                + " :op, :key, :kind, :prio, :ca, :json, :sha, :evidence, 'ACCEPTED', :at)"
                + " ON CONFLICT (lra_id, idempotency_key) DO NOTHING RETURNING "
                + RegistrationRows.JOURNAL)
        .bind("id", e.id())
        .bind("lra", e.lraId())
        .bind("op", e.operatorId())
        .bind("key", e.idempotencyKey())
        .bind("kind", e.kind().name())
        .bind("prio", (short) e.kind().priority())
        .bind("ca", e.caId())
        .bind("json", e.requestJson())
        .bind("sha", e.requestSha256())
        .bind("evidence", e.evidence() == null ? Parameters.in(byte[].class) : e.evidence())
        .bind("at", e.acceptedAt())
        .map(RegistrationRows::journal)
        .one()
        .flatMap(saved -> journalRow(saved.id()).thenReturn(saved));
  }

  /**
   * Appends the journal row's current state to the change log (inside the caller's transaction).
   */
  Mono<Long> journalRow(String id) {
    return audit.log().row(ReplicatedTable.JOURNAL, id, id);
  }

  @Override
  public Mono<JournalEntry> findByKey(String lraId, String key) {
    return byKey(lraId, key);
  }

  private Mono<JournalEntry> byKey(String lraId, String key) {
    return db.sql(
            "SELECT "
                + RegistrationRows.JOURNAL
                + " FROM registration_request WHERE lra_id = :lra AND idempotency_key = :key")
        .bind("lra", lraId)
        .bind("key", key)
        .map(RegistrationRows::journal)
        .one();
  }

  @Override
  public Mono<JournalEntry> find(String id) {
    return db.sql(
            "SELECT " + RegistrationRows.JOURNAL + " FROM registration_request WHERE id = :id")
        .bind("id", id)
        .map(RegistrationRows::journal)
        .one();
  }

  @Override
  public Flux<JournalEntry> pending(int limit) {
    return db.sql(
            "SELECT "
                + RegistrationRows.JOURNAL
                + " FROM registration_request WHERE state = 'ACCEPTED'"
                + " ORDER BY priority, seq LIMIT :limit")
        .bind("limit", limit)
        .map(RegistrationRows::journal)
        .all();
  }

  @Override
  public Mono<String> reserveSerial(String id, String serialHex, AuditEvent event) {
    Mono<String> work =
        db.sql(
                "UPDATE registration_request SET reserved_serial = COALESCE(reserved_serial, :serial)"
                    + " WHERE id = :id RETURNING reserved_serial")
            .bind("serial", serialHex)
            .bind("id", id)
            .map(r -> Rows.str(r, "reserved_serial"))
            .one()
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no request " + id)))
            .flatMap(reserved -> audit.append(event).then(journalRow(id)).thenReturn(reserved));
    return tx.transactional(work);
  }

  @Override
  public Mono<JournalEntry> complete(
      String id, String resultSerial, AuditEvent event, List<OutboxEvent> notices) {
    return finish(id, "DONE", resultSerial, null, event, notices);
  }

  @Override
  public Mono<JournalEntry> reject(
      String id, String error, AuditEvent event, List<OutboxEvent> notices) {
    return finish(id, "REJECTED", null, error, event, notices);
  }

  private Mono<JournalEntry> finish(
      String id,
      String state,
      @Nullable String serial,
      @Nullable String error,
      AuditEvent event,
      List<OutboxEvent> notices) {
    // The audit record comes first: its seq is taken under the audit head's row lock, held to
    // commit,
    // so done_seq orders completions by commit and the feed cursor never skips one.
    Mono<JournalEntry> work =
        db.sql("SELECT state FROM registration_request WHERE id = :id FOR UPDATE")
            .bind("id", id)
            .map(r -> Rows.str(r, "state"))
            .one()
            .filter("ACCEPTED"::equals)
            .flatMap(
                pending ->
                    audit
                        .append(event)
                        .flatMap(
                            record ->
                                db.sql(
                                        "UPDATE registration_request SET state = :state, result_serial = :serial,"
                                            + " error = :error, completed_at = :now, done_seq = :seq WHERE id = :id"
                                            + " RETURNING "
                                            + RegistrationRows.JOURNAL)
                                    .bind("state", state)
                                    .bind(
                                        "serial",
                                        serial == null ? Parameters.in(String.class) : serial)
                                    .bind(
                                        "error",
                                        error == null ? Parameters.in(String.class) : error)
                                    .bind("now", clock.instant())
                                    .bind("seq", record.seq())
                                    .bind("id", id)
                                    .map(RegistrationRows::journal)
                                    .one()
                                    // The notifications commit with the completion: none is lost,
                                    // none doubled.
                                    .flatMap(
                                        done ->
                                            OutboxRows.insertAll(db, audit.log(), notices)
                                                .thenReturn(done))
                                    .flatMap(
                                        done ->
                                            "REJECTED".equals(state)
                                                ? serverKeys
                                                    .discardInTransaction(id)
                                                    .thenReturn(done)
                                                : Mono.just(done))
                                    .flatMap(done -> journalRow(id).thenReturn(done))))
            .switchIfEmpty(Mono.defer(() -> find(id)));
    return tx.transactional(work);
  }

  @Override
  public Mono<byte[]> generatedPublicKey(String requestId) {
    return db.sql("SELECT public_key FROM registration_server_key WHERE request_id = :id")
        .bind("id", requestId)
        .map(r -> Rows.bytes(r, "public_key"))
        .one();
  }

  @Override
  public Flux<RegistrationFeedEvent> feed(String lraId, long afterSeq, int limit) {
    return db.sql(
            "SELECT done_seq, id, kind, state, ca_id, result_serial, error, completed_at FROM registration_request"
                + " WHERE lra_id = :lra AND done_seq > :after ORDER BY done_seq LIMIT :limit")
        .bind("lra", lraId)
        .bind("after", afterSeq)
        .bind("limit", limit)
        .map(RegistrationRows::feedEvent)
        .all();
  }

  @Override
  public Flux<RegistrationCertificateRef> expiring(String lraId, Instant from, Instant until) {
    return db.sql(
            "SELECT c.issuer_ca_id, c.serial_hex, c.subject_dn FROM registration_request r JOIN certificate c"
                + " ON c.issuer_ca_id = r.ca_id AND c.serial_hex = r.result_serial WHERE r.lra_id = :lra"
                + " AND r.kind = 'ISSUE' AND r.state = 'DONE' AND c.revoked_at IS NULL AND c.not_after > :from"
                + " AND c.not_after <= :until ORDER BY c.not_after")
        .bind("lra", lraId)
        .bind("from", from)
        .bind("until", until)
        .map(RegistrationRows::certificateRef)
        .all();
  }

  @Override
  public Flux<String> casWithRevocationsSince(Instant since) {
    return db.sql(
            "SELECT DISTINCT ca_id FROM registration_request WHERE kind = 'REVOKE' AND state = 'DONE'"
                + " AND completed_at >= :since")
        .bind("since", since)
        .map(r -> Rows.str(r, "ca_id"))
        .all();
  }

  @Override
  public Flux<RegistrationCertificateRef> activeWithKey(byte[] spkiSha256) {
    return db.sql(
            "SELECT issuer_ca_id, serial_hex, subject_dn FROM certificate WHERE spki_sha256 = :spki"
                + " AND revoked_at IS NULL AND NOT is_ca ORDER BY id")
        .bind("spki", spkiSha256)
        .map(RegistrationRows::certificateRef)
        .all();
  }

  @Override
  public Flux<RegistrationCertificateRef> activeWithSubject(
      String caId, byte[] subjectDer, Instant at) {
    return db.sql(
            "SELECT issuer_ca_id, serial_hex, subject_dn FROM certificate WHERE issuer_ca_id = :ca AND"
                + " subject_der = :dn AND revoked_at IS NULL AND not_after > :at AND NOT is_ca ORDER BY id")
        .bind("ca", caId)
        .bind("dn", subjectDer)
        .bind("at", at)
        .map(RegistrationRows::certificateRef)
        .all();
  }

  @Override
  public Flux<RegistrationCertificateRef> revocableOf(
      String caId, @Nullable Integer generation, Instant at) {
    return db.sql(
            "SELECT issuer_ca_id, serial_hex, subject_dn FROM certificate WHERE issuer_ca_id = :ca AND"
                + " revoked_at IS NULL AND not_after > :at AND kind IN ('END_ENTITY', 'CROSS')"
                + " AND (CAST(:gen AS integer) IS NULL OR issuer_generation = :gen) ORDER BY id")
        .bind("ca", caId)
        .bind("at", at)
        .bind("gen", generation == null ? Parameters.in(Integer.class) : generation)
        .map(RegistrationRows::certificateRef)
        .all();
  }

  // --- LraRegistry ------------------------------------------------------------------------------

  @Override
  public Mono<LraRecord> registerLra(LraRecord l, AuditEvent event) {
    Mono<LraRecord> work =
        db.sql(
                "INSERT INTO lra ("
                    + RegistrationRows.LRA
                    + ") VALUES (:id, :name, :ca, :base, :profiles,"
                    + " :dns, :sources, :at)")
            .bind("id", l.id())
            .bind("name", l.displayName())
            .bind("ca", l.caId())
            .bind("base", l.subjectBaseDn())
            .bind("profiles", l.allowedProfiles().toArray(String[]::new))
            .bind("dns", l.dnsSuffixes().toArray(String[]::new))
            .bind("sources", l.allowedSources().toArray(String[]::new))
            .bind("at", l.createdAt())
            .then()
            .then(audit.append(event))
            .then(audit.log().row(ReplicatedTable.LRA, l.id(), l.id()))
            .thenReturn(l);
    return conflicts(tx.transactional(work), "LRA " + l.id() + " exists");
  }

  @Override
  public Mono<OperatorRecord> registerOperator(OperatorRecord o, AuditEvent event) {
    Mono<OperatorRecord> work =
        db.sql(
                "INSERT INTO operator ("
                    + RegistrationRows.OPERATOR
                    + ") VALUES (:id, :lra, :name, :roles,"
                    + " :sha, :ca, :serial, :enabled, :at)")
            .bind("id", o.id())
            .bind("lra", o.lraId() == null ? Parameters.in(String.class) : o.lraId())
            .bind("name", o.displayName())
            .bind("roles", o.roles().toArray(String[]::new))
            .bind("sha", o.certSha256())
            .bind("ca", o.certIssuerCaId())
            .bind("serial", o.certSerialHex())
            .bind("enabled", o.enabled())
            .bind("at", o.createdAt())
            .then()
            .then(audit.append(event))
            .then(audit.log().row(ReplicatedTable.OPERATOR, o.id(), o.id()))
            .thenReturn(o);
    return conflicts(tx.transactional(work), "operator " + o.id() + " or its certificate exists");
  }

  @Override
  public Mono<LraRecord> lra(String id) {
    return db.sql("SELECT " + RegistrationRows.LRA + " FROM lra WHERE id = :id")
        .bind("id", id)
        .map(RegistrationRows::lra)
        .one();
  }

  @Override
  public Mono<OperatorRecord> operatorByCertificate(byte[] certSha256) {
    return db.sql("SELECT " + RegistrationRows.OPERATOR + " FROM operator WHERE cert_sha256 = :sha")
        .bind("sha", certSha256)
        .map(RegistrationRows::operator)
        .one();
  }

  @Override
  public Mono<OperatorRecord> operator(String id) {
    return db.sql("SELECT " + RegistrationRows.OPERATOR + " FROM operator WHERE id = :id")
        .bind("id", id)
        .map(RegistrationRows::operator)
        .one();
  }

  // --- OperatorApprovals ------------------------------------------------------------------------

  @Override
  public Mono<OperatorApproval> request(OperatorApproval a, byte[] evidence, AuditEvent event) {
    return new RegistrationApprovalWriter(db, tx, audit, this, clock).request(a, evidence, event);
  }

  @Override
  public Mono<OperatorApproval> approval(String id) {
    return db.sql("SELECT " + RegistrationRows.APPROVAL + " FROM operator_approval WHERE id = :id")
        .bind("id", id)
        .map(RegistrationRows::approval)
        .one();
  }

  @Override
  public Mono<OperatorApproval> approve(
      String id,
      String approverId,
      byte[] evidence,
      List<JournalEntry> released,
      AuditEvent event) {
    return new RegistrationApprovalWriter(db, tx, audit, this, clock)
        .approve(id, approverId, evidence, released, event);
  }

  @Override
  public Mono<OperatorApproval> approveForExecution(
      String id, String approverId, byte[] evidence, AuditEvent event) {
    return new RegistrationApprovalWriter(db, tx, audit, this, clock)
        .approve(id, approverId, evidence, List.of(), true, event);
  }

  @Override
  public Flux<OperatorApproval> toExecute(int limit) {
    return new ApprovalExecutionWriter(db, tx, audit, clock).toExecute(limit);
  }

  @Override
  public Mono<String> plan(String id, String plan, AuditEvent event) {
    return new ApprovalExecutionWriter(db, tx, audit, clock).plan(id, plan, event);
  }

  @Override
  public Mono<OperatorApproval> executed(String id, boolean done, String result, AuditEvent event) {
    return new ApprovalExecutionWriter(db, tx, audit, clock).executed(id, done, result, event);
  }

  /** Inserts a journal entry inside the caller's transaction (approvals release revocations). */
  Mono<JournalEntry> insertInTransaction(JournalEntry e) {
    return insert(e);
  }

  static <T> Mono<T> conflicts(Mono<T> work, String message) {
    return work.onErrorMap(
        e ->
            e instanceof DataIntegrityViolationException
                || e instanceof R2dbcDataIntegrityViolationException,
        e -> new StoreException.Conflict(message, e));
  }
}
