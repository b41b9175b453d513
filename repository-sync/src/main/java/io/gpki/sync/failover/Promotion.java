package io.gpki.sync.failover;

import io.gpki.sync.DemotionToken;
import io.r2dbc.spi.Readable;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Persists a promotion: the new epoch with its fork point, and the MASTER role, in one transaction.
 */
final class Promotion {

  /** Where the previous epoch ended at this center. */
  record ForkPoint(long lastSeq, byte @Nullable [] hash) {}

  private final DatabaseClient sql;
  private final TransactionalOperator tx;
  private final Clock clock;

  Promotion(DatabaseClient sql, TransactionalOperator tx, Clock clock) {
    this.sql = sql;
    this.tx = tx;
    this.clock = clock;
  }

  Mono<EpochRecord> persist(
      String centerId, String kind, String requestedBy, String approvedBy, String reason) {
    return persist(centerId, kind, requestedBy, approvedBy, reason, null);
  }

  /**
   * As above; with a demotion token (a switchover), the fork point must be exactly the token's
   * (this center applied the old master's log up to its last seq, with the same chain hash), and
   * the new epoch exactly the token's plus one. Checked under the center's row lock.
   */
  Mono<EpochRecord> persist(
      String centerId,
      String kind,
      String requestedBy,
      String approvedBy,
      String reason,
      @Nullable DemotionToken token) {
    if (requestedBy.equals(approvedBy)) {
      return Mono.error(new FailoverException("a promotion needs two different operators"));
    }
    Mono<EpochRecord> work =
        sql.sql("SELECT role, epoch FROM center_state WHERE id = 1 FOR UPDATE")
            .map(r -> new Object[] {r.get("role", String.class), r.get("epoch", Long.class)})
            .one()
            .switchIfEmpty(Mono.error(new FailoverException("the center state is missing")))
            .flatMap(
                row -> {
                  if (!"BACKUP".equals(row[0])) {
                    return Mono.error(
                        new FailoverException(
                            "only a BACKUP is promoted; center " + centerId + " is " + row[0]));
                  }
                  long stored = (Long) Objects.requireNonNull(row[1]);
                  return Mono.zip(
                          maxEpoch(), token == null ? forkPoint() : forkPoint(token.fromCenter()))
                      .flatMap(
                          t -> {
                            long epoch = Math.max(stored, t.getT1()) + 1;
                            ForkPoint fork = t.getT2();
                            if (token != null) {
                              String wrong = mismatch(token, epoch, fork);
                              if (wrong != null) {
                                return Mono.error(
                                    new FailoverException("demotion token refused: " + wrong));
                              }
                            }
                            EpochRecord e =
                                new EpochRecord(
                                    epoch,
                                    centerId,
                                    fork.lastSeq() + 1,
                                    fork.lastSeq(),
                                    fork.hash(),
                                    kind,
                                    requestedBy,
                                    approvedBy,
                                    reason,
                                    clock.instant());
                            return insert(e).then(becomeMaster(epoch, e.startedAt())).thenReturn(e);
                          });
                });
    return tx.transactional(work);
  }

  /** Why a token does not fit this center's state, or null when it does. */
  private static @Nullable String mismatch(DemotionToken token, long epoch, ForkPoint fork) {
    if (epoch != token.epoch() + 1) {
      return "it ends epoch "
          + token.epoch()
          + " but this center would start epoch "
          + epoch
          + " (a higher epoch is on record)";
    }
    if (fork.lastSeq() != token.lastSeq()) {
      return "this center applied "
          + token.fromCenter()
          + "'s log up to seq "
          + fork.lastSeq()
          + ", the token ends at "
          + token.lastSeq();
    }
    if (fork.hash() == null || !java.util.Arrays.equals(fork.hash(), token.lastHash())) {
      return "the chain hash at seq " + token.lastSeq() + " differs from the token's";
    }
    return null;
  }

  /** The bookmark of one source: what this center applied of that master's log. */
  private Mono<ForkPoint> forkPoint(String source) {
    return sql.sql(
            "SELECT applied_seq, applied_hash FROM replication_bookmark WHERE source_center = :s")
        .bind("s", source)
        .map(
            r ->
                new ForkPoint(
                    Objects.requireNonNull(r.get("applied_seq", Long.class)),
                    bytes(r, "applied_hash")))
        .one()
        .defaultIfEmpty(new ForkPoint(0, null));
  }

  private Mono<Long> maxEpoch() {
    return sql.sql("SELECT coalesce(max(epoch), 0) FROM epoch_history")
        .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
        .one();
  }

  /**
   * The replication bookmark (what was applied from the master), else the local change-log head.
   */
  private Mono<ForkPoint> forkPoint() {
    Mono<ForkPoint> head =
        sql.sql("SELECT last_seq, last_hash FROM change_log_head WHERE id = 1")
            .map(
                r ->
                    new ForkPoint(
                        Objects.requireNonNull(r.get("last_seq", Long.class)),
                        bytes(r, "last_hash")))
            .one()
            .defaultIfEmpty(new ForkPoint(0, null));
    return sql.sql(
            "SELECT applied_seq, applied_hash FROM replication_bookmark ORDER BY updated_at DESC, applied_seq DESC"
                + " LIMIT 1")
        .map(
            r ->
                new ForkPoint(
                    Objects.requireNonNull(r.get("applied_seq", Long.class)),
                    bytes(r, "applied_hash")))
        .one()
        .switchIfEmpty(head);
  }

  private Mono<Void> insert(EpochRecord e) {
    var spec =
        sql.sql(
                "INSERT INTO epoch_history (epoch, center_id, first_seq, prev_last_seq, prev_chain_hash, kind,"
                    + " requested_by, approved_by, reason, started_at) VALUES (:epoch, :center, :first, :prev,"
                    + " :hash, :kind, :req, :appr, :reason, :at)")
            .bind("epoch", e.epoch())
            .bind("center", e.centerId())
            .bind("first", e.firstSeq())
            .bind("prev", Objects.requireNonNull(e.prevLastSeq()))
            .bind("kind", e.kind())
            .bind("req", Objects.requireNonNull(e.requestedBy()))
            .bind("appr", Objects.requireNonNull(e.approvedBy()))
            .bind("reason", Objects.requireNonNull(e.reason()))
            .bind("at", e.startedAt());
    byte[] hash = e.prevChainHash();
    spec =
        hash == null
            ? spec.bindNull("hash", ByteBuffer.class)
            : spec.bind("hash", ByteBuffer.wrap(hash));
    return spec.then();
  }

  private Mono<Void> becomeMaster(long epoch, Instant at) {
    return sql.sql(
            "UPDATE center_state SET role = 'MASTER', epoch = :epoch, fenced_reason = NULL, updated_at = :at"
                + " WHERE id = 1")
        .bind("epoch", epoch)
        .bind("at", at)
        .then();
  }

  static EpochRecord epochRow(Readable r) {
    return new EpochRecord(
        Objects.requireNonNull(r.get("epoch", Long.class)),
        Objects.requireNonNull(r.get("center_id", String.class)),
        Objects.requireNonNull(r.get("first_seq", Long.class)),
        r.get("prev_last_seq", Long.class),
        bytes(r, "prev_chain_hash"),
        Objects.requireNonNull(r.get("kind", String.class)),
        r.get("requested_by", String.class),
        r.get("approved_by", String.class),
        r.get("reason", String.class),
        Objects.requireNonNull(r.get("started_at", OffsetDateTime.class)).toInstant());
  }

  static byte @Nullable [] bytes(Readable r, String column) {
    Object v = r.get(column);
    if (v == null) {
      return null;
    }
    if (v instanceof byte[] a) {
      return a;
    }
    ByteBuffer b = (ByteBuffer) v;
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
