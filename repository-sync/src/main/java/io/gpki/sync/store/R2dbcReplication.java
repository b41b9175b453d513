package io.gpki.sync.store;

import io.gpki.sync.AuditChain;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.ChangeRecord;
import io.gpki.sync.ReplicaRejected;
import io.gpki.sync.ReplicaRejected.Reason;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The store side of replication: the chained feed and acknowledgements at the master, the verified,
 * idempotent apply with its bookmark at the backup, and per-table digests for anti-entropy.
 */
public final class R2dbcReplication {

  private static final String RECORD_COLUMNS =
      "c.seq, epoch, schema_version, recorded_at, entity, entity_key, op, payload::text AS payload, prev_hash, hash,"
          + " s.content AS attachment";

  private final DatabaseClient db;
  private final TransactionalOperator tx;
  private final Clock clock;
  private final R2dbcCertificateLookup lookup;
  private final Scheduler verify;

  /**
   * @param lookup derives the RFC 4387 keys of applied certificates (the backup's own setting)
   * @param verify where signature checks run (CPU work, off the database threads)
   */
  public R2dbcReplication(
      ConnectionFactory connections, Clock clock, R2dbcCertificateLookup lookup, Scheduler verify) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
    this.clock = clock;
    this.lookup = lookup;
    this.verify = verify;
  }

  /** A log position: the last seq and its hash (32 zero bytes at seq 0). */
  public record Position(long seq, byte[] hash) {}

  /** This center as center_state says; MASTER at epoch 1 when no row exists. */
  public record Center(@Nullable String centerId, String role, long epoch) {}

  /** What an apply did. */
  public enum Applied {
    APPLIED,
    ALREADY_HELD
  }

  // --- master side ------------------------------------------------------------------------------

  /** Chained records with {@code seq > afterSeq}, in order, at most {@code limit}. */
  public Flux<ChangeRecord> after(long afterSeq, int limit) {
    return db.sql(
            "SELECT "
                + RECORD_COLUMNS
                + " FROM change_log c LEFT JOIN change_log_secret s ON s.seq = c.seq"
                + " WHERE c.seq > :after ORDER BY c.seq LIMIT :limit")
        .bind("after", afterSeq)
        .bind("limit", limit)
        .map(R2dbcReplication::record)
        .all();
  }

  /** The head of the log. */
  public Mono<Position> head() {
    return db.sql("SELECT last_seq, last_hash FROM change_log_head WHERE id = 1")
        .map(
            r ->
                new Position(
                    Objects.requireNonNull(r.get("last_seq", Long.class)),
                    hashOrGenesis(r, "last_hash")))
        .one();
  }

  /** center_state, defaulting to MASTER at epoch 1. */
  public Mono<Center> center() {
    return db.sql("SELECT center_id, role, epoch FROM center_state WHERE id = 1")
        .map(
            r ->
                new Center(
                    r.get("center_id", String.class),
                    Rows.str(r, "role"),
                    Objects.requireNonNull(r.get("epoch", Long.class))))
        .one()
        .defaultIfEmpty(new Center(null, "MASTER", 1));
  }

  /**
   * The demotion token of the highest epoch this center ended by a switchover (docs/dr.md,
   * "Failback"), if any.
   */
  public Mono<io.gpki.sync.DemotionToken> demotion() {
    return db.sql(
            "SELECT epoch, center_id, ended_seq, ended_hash, ended_at, handed_to, handover_approval,"
                + " handover_requested_by, handover_approved_by FROM epoch_history"
                + " WHERE handed_to IS NOT NULL ORDER BY epoch DESC LIMIT 1")
        .map(
            r ->
                new io.gpki.sync.DemotionToken(
                    Objects.requireNonNull(r.get("epoch", Long.class)),
                    Objects.requireNonNull(r.get("ended_seq", Long.class)),
                    hashOrGenesis(r, "ended_hash"),
                    Rows.str(r, "center_id"),
                    Rows.str(r, "handed_to"),
                    Rows.str(r, "handover_approval"),
                    Rows.str(r, "handover_requested_by"),
                    Rows.str(r, "handover_approved_by"),
                    Objects.requireNonNull(r.get("ended_at", java.time.OffsetDateTime.class))
                        .toInstant()))
        .one();
  }

  /** Records a peer's acknowledgement; never moves backwards. Returns the stored ack. */
  public Mono<Long> acknowledge(String peer, long epoch, long seq) {
    return db.sql(
            "INSERT INTO replication_ack (peer_center, epoch, acked_seq, updated_at) VALUES (:p, :e, :s, :at)"
                + " ON CONFLICT (peer_center) DO UPDATE SET epoch = GREATEST(replication_ack.epoch, EXCLUDED.epoch),"
                + " acked_seq = GREATEST(replication_ack.acked_seq, EXCLUDED.acked_seq), updated_at = EXCLUDED.updated_at"
                + " RETURNING acked_seq")
        .bind("p", peer)
        .bind("e", epoch)
        .bind("s", seq)
        .bind("at", clock.instant())
        .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
        .one();
  }

  /** The highest seq any peer acknowledged (0 when none did). */
  public Mono<Long> maxAcknowledged() {
    return db.sql("SELECT COALESCE(max(acked_seq), 0) FROM replication_ack")
        .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
        .one();
  }

  // --- backup side ------------------------------------------------------------------------------

  /** The bookmark of a source center (seq 0 and the genesis hash before anything applied). */
  public Mono<Position> bookmark(String source) {
    return db.sql(
            "SELECT applied_seq, applied_hash FROM replication_bookmark WHERE source_center = :s")
        .bind("s", source)
        .map(
            r ->
                new Position(
                    Objects.requireNonNull(r.get("applied_seq", Long.class)),
                    hashOrGenesis(r, "applied_hash")))
        .one()
        .defaultIfEmpty(new Position(0, ChangeLogChain.genesis()));
  }

  /** The highest epoch applied from a source (0 when none). */
  public Mono<Long> bookmarkEpoch(String source) {
    return db.sql("SELECT epoch FROM replication_bookmark WHERE source_center = :s")
        .bind("s", source)
        .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
        .one()
        .defaultIfEmpty(0L);
  }

  /**
   * Verifies and applies one record in one transaction with the bookmark: gap-free seq, chain,
   * hash, epoch, the issuer's signature on certificates and CRLs, the master's audit chain. A
   * record at or below the bookmark is a no-op if it is the one held, else {@link Reason#DIVERGED}.
   *
   * @throws ReplicaRejected (as the error signal) when a check fails; the transaction rolls back
   */
  public Mono<Applied> apply(String source, ChangeRecord r) {
    Mono<Applied> work =
        db.sql(
                "INSERT INTO replication_bookmark (source_center, epoch, applied_seq, updated_at)"
                    + " VALUES (:s, 0, 0, :at) ON CONFLICT (source_center) DO NOTHING")
            .bind("s", source)
            .bind("at", clock.instant())
            .then()
            .then(
                db.sql(
                        "SELECT epoch, applied_seq, applied_hash FROM replication_bookmark"
                            + " WHERE source_center = :s FOR UPDATE")
                    .bind("s", source)
                    .map(
                        row ->
                            new Object[] {
                              row.get("epoch", Long.class),
                              row.get("applied_seq", Long.class),
                              hashOrGenesis(row, "applied_hash")
                            })
                    .one())
            .flatMap(
                b -> {
                  long epoch = (Long) b[0];
                  long applied = (Long) b[1];
                  byte[] appliedHash = (byte[]) b[2];
                  if (r.seq() <= applied) {
                    return held(r).thenReturn(Applied.ALREADY_HELD);
                  }
                  check(r, epoch, applied, appliedHash);
                  return applyChecked(source, r).thenReturn(Applied.APPLIED);
                });
    return tx.transactional(work);
  }

  private static void check(ChangeRecord r, long epoch, long applied, byte[] appliedHash) {
    if (r.seq() != applied + 1) {
      throw new ReplicaRejected(Reason.GAP, r.seq(), "expected seq " + (applied + 1));
    }
    if (!Arrays.equals(r.prevHash(), appliedHash)) {
      throw new ReplicaRejected(
          Reason.BROKEN_CHAIN, r.seq(), "prev_hash is not the hash of seq " + applied);
    }
    if (!ChangeLogChain.intact(r)) {
      throw new ReplicaRejected(
          Reason.BAD_HASH, r.seq(), "hash does not cover the record's fields");
    }
    if (r.epoch() < epoch) {
      throw new ReplicaRejected(
          Reason.STALE_EPOCH, r.seq(), "epoch " + r.epoch() + " below " + epoch);
    }
    if (r.schemaVersion() != ChangeLogChain.SCHEMA_V2) {
      throw new ReplicaRejected(
          Reason.UNSUPPORTED,
          r.seq(),
          "record schema "
              + r.schemaVersion()
              + " has no row image; bootstrap this backup from a snapshot");
    }
    if (ReplicatedTable.of(r.entity()) == null) {
      throw new ReplicaRejected(Reason.UNSUPPORTED, r.seq(), "entity " + r.entity());
    }
  }

  private Mono<Void> held(ChangeRecord r) {
    return db.sql("SELECT hash FROM change_log WHERE seq = :seq")
        .bind("seq", r.seq())
        .map(row -> hashOrGenesis(row, "hash"))
        .one()
        .filter(h -> Arrays.equals(h, r.hash()))
        .switchIfEmpty(
            Mono.error(new ReplicaRejected(Reason.DIVERGED, r.seq(), "a different record is held")))
        .then();
  }

  private Mono<Void> applyChecked(String source, ChangeRecord r) {
    ReplicatedTable t = Objects.requireNonNull(ReplicatedTable.of(r.entity()));
    Mono<Void> entity =
        switch (t) {
          case CERTIFICATE ->
              verifyCertificate(r)
                  .then(upsert(t, r))
                  .then("CERTIFICATE".equals(r.entity()) ? indexCertificate(r) : Mono.empty());
          case CRL -> verifyCrl(r).then(upsert(t, r));
          case AUDIT -> verifyAudit(source, r).then(replicaAudit(source, r));
          case AUDIT_SEAL -> replicaSeal(source, r);
          case SERVER_KEY -> upsert(t, r).then(attachSecret(r));
          default -> "DELETE".equals(r.op()) ? delete(t, r) : upsert(t, r);
        };
    return entity
        .then(
            t.serial == null
                ? Mono.empty()
                : db.sql(
                        "SELECT setval(pg_get_serial_sequence('"
                            + t.table
                            + "', '"
                            + t.serial
                            + "'), GREATEST((SELECT max("
                            + t.serial
                            + ") FROM "
                            + t.table
                            + "), 1))")
                    .then())
        .then(logRecord(r))
        .then(
            db.sql(
                    "UPDATE replication_bookmark SET epoch = GREATEST(epoch, :e), applied_seq = :seq,"
                        + " applied_hash = :hash, updated_at = :at WHERE source_center = :s")
                .bind("e", r.epoch())
                .bind("seq", r.seq())
                .bind("hash", r.hash())
                .bind("at", clock.instant())
                .bind("s", source)
                .then());
  }

  /**
   * The master's log entry, verbatim (same seq, epoch and hashes), so a promoted backup continues
   * it.
   */
  private Mono<Void> logRecord(ChangeRecord r) {
    return db.sql(
            "INSERT INTO change_log (seq, recorded_at, entity, entity_key, op, payload, epoch, schema_version,"
                + " prev_hash, hash) VALUES (:seq, :at, :entity, :key, :op, CAST(:payload AS jsonb), :epoch, :v, :prev,"
                + " :hash) ON CONFLICT (seq) DO NOTHING RETURNING seq")
        .bind("seq", r.seq())
        .bind("at", r.recordedAt())
        .bind("entity", r.entity())
        .bind("key", r.entityKey())
        .bind("op", r.op())
        .bind("payload", r.payload())
        .bind("epoch", r.epoch())
        .bind("v", (short) r.schemaVersion())
        .bind("prev", r.prevHash())
        .bind("hash", r.hash())
        .map(row -> Boolean.TRUE)
        .one()
        .switchIfEmpty(
            Mono.error(
                new ReplicaRejected(
                    Reason.DIVERGED,
                    r.seq(),
                    "this database already has its own entry at that seq (was it ever a master?)")))
        .then(
            db.sql("UPDATE change_log_head SET last_seq = :seq, last_hash = :hash WHERE id = 1")
                .bind("seq", r.seq())
                .bind("hash", r.hash())
                .then());
  }

  /** The row image to apply: the payload's "row", plus "der" (hex) for certificates and CRLs. */
  private static String image(ReplicatedTable t) {
    return t.derInPayload()
        ? "(CAST(:p AS jsonb)->'row') || jsonb_build_object('der', '\\x' || encode(decode(CAST(:p AS jsonb)->>'der',"
            + " 'base64'), 'hex'))"
        : "CAST(:p AS jsonb)->'row'";
  }

  private Mono<Void> upsert(ReplicatedTable t, ChangeRecord r) {
    List<String> cols = new java.util.ArrayList<>(t.columns);
    if (t.derInPayload()) {
      cols.add("der");
    }
    String list = String.join(", ", cols);
    String onConflict =
        t.appendOnly
            ? "DO NOTHING"
            : "DO UPDATE SET "
                + cols.stream()
                    .filter(c -> !t.key.contains(c))
                    .map(c -> c + " = EXCLUDED." + c)
                    .collect(Collectors.joining(", "));
    return db.sql(
            "INSERT INTO "
                + t.table
                + " ("
                + list
                + ") SELECT "
                + list
                + " FROM jsonb_populate_record(NULL::"
                + t.table
                + ", "
                + image(t)
                + ") ON CONFLICT ("
                + String.join(", ", t.key)
                + ") "
                + onConflict)
        .bind("p", r.payload())
        .then();
  }

  /**
   * The sealed PKCS#12 of a server key: present only if its SHA-256 is the image's (the chain
   * covers the digest); absent (picked up or discarded, or erased at the master before it was
   * streamed), the backup holds none. Kept as the record's attachment here too, erased with it.
   */
  private Mono<Void> attachSecret(ChangeRecord r) {
    return db.sql(
            "SELECT p->'row'->>'request_id' AS id, p->'row'->>'pkcs12_sha256' AS sha"
                + " FROM (SELECT CAST(:p AS jsonb) AS p) x")
        .bind("p", r.payload())
        .map(row -> new String[] {Rows.str(row, "id"), row.get("sha", String.class)})
        .one()
        .flatMap(
            v -> {
              byte[] a = r.attachment();
              String sha = v[1];
              if (a != null) {
                String actual;
                try {
                  actual =
                      "\\x"
                          + java.util.HexFormat.of()
                              .formatHex(
                                  java.security.MessageDigest.getInstance("SHA-256").digest(a));
                } catch (java.security.NoSuchAlgorithmException e) {
                  return Mono.error(e);
                }
                if (sha == null || !sha.equals(actual)) {
                  return Mono.error(
                      new ReplicaRejected(
                          Reason.BAD_HASH, r.seq(), "the attachment is not the sealed PKCS#12"));
                }
              }
              Object content =
                  a != null && sha != null ? a : io.r2dbc.spi.Parameters.in(byte[].class);
              Mono<Void> keep =
                  a == null || sha == null
                      ? Mono.empty()
                      : db.sql(
                              "INSERT INTO change_log_secret (seq, request_id, content) VALUES (:seq, :id, :c)")
                          .bind("seq", r.seq())
                          .bind("id", v[0])
                          .bind("c", a)
                          .then();
              return db.sql("UPDATE registration_server_key SET pkcs12 = :c WHERE request_id = :id")
                  .bind("c", content)
                  .bind("id", v[0])
                  .then()
                  .then(
                      db.sql("DELETE FROM change_log_secret WHERE request_id = :id")
                          .bind("id", v[0])
                          .then())
                  .then(keep);
            });
  }

  private Mono<Void> delete(ReplicatedTable t, ChangeRecord r) {
    String match =
        t.key.stream().map(k -> "t." + k + " = x." + k).collect(Collectors.joining(" AND "));
    return db.sql(
            "DELETE FROM "
                + t.table
                + " t USING jsonb_populate_record(NULL::"
                + t.table
                + ", CAST(:p AS jsonb)->'row') x WHERE "
                + match)
        .bind("p", r.payload())
        .then();
  }

  private Mono<Void> verifyCertificate(ChangeRecord r) {
    return verifySigned(
        r,
        "k.ca_id = p->'row'->>'issuer_ca_id'"
            + " AND k.generation = (p->'row'->>'issuer_generation')::int",
        "no key of the issuer of ",
        SignatureChecks::certificate);
  }

  private Mono<Void> verifyCrl(ChangeRecord r) {
    return verifySigned(
        r, "k.key_id = p->'row'->>'signer_key_id'", "no signer key of ", SignatureChecks::crl);
  }

  /** How a signed object is checked against its signer's public key. */
  @FunctionalInterface
  private interface SignatureCheck {
    void check(long seq, byte[] der, byte[] publicKey, byte[] sha256);
  }

  /**
   * Checks the signed object of {@code r} (its DER and SHA-256 in the payload) against the key that
   * {@code keyJoin} finds in {@code ca_key}, on the bounded verify scheduler; no key is {@code
   * UNKNOWN_ISSUER}.
   */
  private Mono<Void> verifySigned(
      ChangeRecord r, String keyJoin, String noKey, SignatureCheck check) {
    return db.sql(
            "SELECT decode(p->>'der', 'base64') AS der, decode(substr(p->'row'->>'sha256', 3), 'hex') AS sha,"
                + " k.public_key FROM (SELECT CAST(:p AS jsonb) AS p) x LEFT JOIN ca_key k ON "
                + keyJoin)
        .bind("p", r.payload())
        .map(
            row ->
                new byte[][] {
                  Rows.bytes(row, "der"),
                  Rows.bytes(row, "sha"),
                  row.get("public_key", byte[].class)
                })
        .one()
        .publishOn(verify)
        .doOnNext(
            v -> {
              if (v[2] == null) {
                throw new ReplicaRejected(Reason.UNKNOWN_ISSUER, r.seq(), noKey + r.entityKey());
              }
              check.check(r.seq(), v[0], v[2], v[1]);
            })
        .then();
  }

  private Mono<Void> indexCertificate(ChangeRecord r) {
    return db.sql(
            "SELECT "
                + Rows.CERT_COLUMNS
                + " FROM certificate WHERE id = (CAST(:p AS jsonb)->'row'->>'id')::bigint")
        .bind("p", r.payload())
        .map(Rows::certificate)
        .one()
        .flatMap(
            c ->
                db.sql("DELETE FROM certificate_lookup WHERE certificate_id = :id")
                    .bind("id", c.id())
                    .then()
                    .then(lookup.insert(List.of(c)))
                    .then(
                        db.sql("UPDATE certificate SET lookup_version = :v WHERE id = :id")
                            .bind(
                                "v",
                                lookup.version() == null
                                    ? io.r2dbc.spi.Parameters.in(Short.class)
                                    : lookup.version())
                            .bind("id", c.id())
                            .then()));
  }

  private static final String AUDIT_FIELDS =
      "seq, recorded_at, type, source, actor, object, outcome, detail, prev_hash, hash";

  /** The master's audit record must hash correctly and link to the one held before it. */
  private Mono<Void> verifyAudit(String source, ChangeRecord r) {
    return db.sql(
            "SELECT "
                + AUDIT_FIELDS
                + ", (SELECT hash FROM replica_audit_log WHERE source_center = :s"
                + " AND seq = x.seq - 1) AS before FROM jsonb_populate_record(NULL::audit_log, CAST(:p AS jsonb)->'row') x")
        .bind("s", source)
        .bind("p", r.payload())
        .map(row -> new Object[] {AuditWriter.record(row), row.get("before", byte[].class)})
        .one()
        .doOnNext(
            v -> {
              io.gpki.sync.AuditRecord a = (io.gpki.sync.AuditRecord) v[0];
              byte[] before = (byte[]) v[1];
              AuditEvent e = a.event();
              if (!Arrays.equals(
                  a.hash(), AuditChain.hash(a.prevHash(), a.seq(), a.recordedAt(), e))) {
                throw new ReplicaRejected(
                    Reason.BAD_SIGNATURE, r.seq(), "audit record " + a.seq() + " hash mismatch");
              }
              if (before != null && !Arrays.equals(before, a.prevHash())) {
                throw new ReplicaRejected(
                    Reason.BROKEN_CHAIN, r.seq(), "audit record " + a.seq() + " does not link");
              }
            })
        .then();
  }

  private Mono<Void> replicaAudit(String source, ChangeRecord r) {
    return db.sql(
            "INSERT INTO replica_audit_log (source_center, "
                + AUDIT_FIELDS
                + ") SELECT :s, "
                + AUDIT_FIELDS
                + " FROM jsonb_populate_record(NULL::audit_log, CAST(:p AS jsonb)->'row') ON CONFLICT DO NOTHING")
        .bind("s", source)
        .bind("p", r.payload())
        .then();
  }

  private Mono<Void> replicaSeal(String source, ChangeRecord r) {
    String cols = "seq, sealed_at, hash, key_id, algorithm, public_key, signature";
    return db.sql(
            "INSERT INTO replica_audit_seal (source_center, "
                + cols
                + ") SELECT :s, "
                + cols
                + " FROM jsonb_populate_record(NULL::audit_seal, CAST(:p AS jsonb)->'row') ON CONFLICT DO NOTHING")
        .bind("s", source)
        .bind("p", r.payload())
        .then();
  }

  // --- anti-entropy -----------------------------------------------------------------------------

  /**
   * A digest per replicated table (row images in key order) plus the log head. Two centers at the
   * same head must have equal digests; a difference names the table that diverged. The audit tables
   * are left out: the master's chain is held in replica tables at the backup and verified on
   * arrival.
   */
  public Mono<Map<String, String>> digests() {
    return Flux.fromArray(ReplicatedTable.values())
        .filter(t -> t != ReplicatedTable.AUDIT && t != ReplicatedTable.AUDIT_SEAL)
        .concatMap(
            t ->
                db.sql(
                        "SELECT COALESCE(md5(string_agg("
                            + t.image()
                            + "::text, '|' ORDER BY "
                            + String.join(", ", t.key)
                            + ")), '-') FROM "
                            + t.table)
                    .map(
                        row -> Map.entry(t.table, Objects.requireNonNull(row.get(0, String.class))))
                    .one())
        .collect(LinkedHashMap<String, String>::new, (m, e) -> m.put(e.getKey(), e.getValue()))
        .map(m -> (Map<String, String>) m)
        .as(tx::transactional);
  }

  static ChangeRecord record(Readable r) {
    return new ChangeRecord(
        Objects.requireNonNull(r.get("seq", Long.class)),
        Objects.requireNonNull(r.get("epoch", Long.class)),
        Objects.requireNonNull(r.get("schema_version", Short.class)),
        Rows.instant(r, "recorded_at"),
        Rows.str(r, "entity"),
        Rows.str(r, "entity_key"),
        Rows.str(r, "op"),
        Rows.str(r, "payload"),
        hashOrGenesis(r, "prev_hash"),
        hashOrGenesis(r, "hash"),
        r.get("attachment", byte[].class));
  }

  private static byte[] hashOrGenesis(Readable r, String column) {
    byte[] b = r.get(column, byte[].class);
    return b == null ? ChangeLogChain.genesis() : b;
  }
}
