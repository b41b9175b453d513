package io.gpki.sync.failover;

import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.DemotionToken;
import io.r2dbc.spi.Readable;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * Persists the end of a master's epoch for a switchover, in one transaction: the center becomes
 * BACKUP, the epoch's {@code epoch_history} row records where it ended (the demotion token), and
 * the target becomes this center's replication source at exactly that position.
 *
 * <p>Lock order: {@code center_state}, then {@code change_log_head}. A writer holding the head
 * finishes first (its entry is below the token); a writer that comes after waits for the head and
 * then, in a new statement, sees the center is no longer MASTER ({@code StoreException.ReadOnly}).
 */
final class Demotion {

  static final String TOKEN_COLUMNS =
      "epoch, center_id, ended_seq, ended_hash, ended_at, handed_to, handover_approval,"
          + " handover_requested_by, handover_approved_by";

  private final DatabaseClient sql;
  private final TransactionalOperator tx;
  private final Clock clock;

  Demotion(DatabaseClient sql, TransactionalOperator tx, Clock clock) {
    this.sql = sql;
    this.tx = tx;
    this.clock = clock;
  }

  Mono<DemotionToken> persist(
      String centerId,
      long epoch,
      String target,
      String approvalId,
      String requestedBy,
      String approvedBy) {
    // PostgreSQL keeps microseconds: the token read back must equal the one handed out.
    Instant at = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    Mono<DemotionToken> work =
        sql.sql("SELECT role, epoch FROM center_state WHERE id = 1 FOR UPDATE")
            .map(r -> r.get("role", String.class) + "/" + r.get("epoch", Long.class))
            .one()
            .switchIfEmpty(Mono.error(new FailoverException("the center state is missing")))
            .flatMap(
                state ->
                    state.equals("MASTER/" + epoch)
                        ? head()
                        : Mono.error(
                            new FailoverException(
                                "only the MASTER at epoch "
                                    + epoch
                                    + " hands over; center "
                                    + centerId
                                    + " is "
                                    + state)))
            .map(
                h ->
                    new DemotionToken(
                        epoch,
                        h.lastSeq(),
                        h.hash() == null ? ChangeLogChain.genesis() : h.hash(),
                        centerId,
                        target,
                        approvalId,
                        requestedBy,
                        approvedBy,
                        at))
            .flatMap(t -> record(t).then(becomeBackup(at)).then(follow(t)).thenReturn(t));
    return tx.transactional(work);
  }

  /** The last seq and hash, under the head's lock: nothing is appended after this commits. */
  private Mono<Promotion.ForkPoint> head() {
    return sql.sql("SELECT last_seq, last_hash FROM change_log_head WHERE id = 1 FOR UPDATE")
        .map(
            r ->
                new Promotion.ForkPoint(
                    Objects.requireNonNull(r.get("last_seq", Long.class)),
                    Promotion.bytes(r, "last_hash")))
        .one()
        .defaultIfEmpty(new Promotion.ForkPoint(0, null));
  }

  private Mono<Void> record(DemotionToken t) {
    return sql.sql(
            "UPDATE epoch_history SET ended_seq = :seq, ended_hash = :hash, ended_at = :at,"
                + " handed_to = :to, handover_approval = :approval,"
                + " handover_requested_by = :req, handover_approved_by = :appr WHERE epoch = :epoch"
                + " AND handed_to IS NULL")
        .bind("seq", t.lastSeq())
        .bind("hash", ByteBuffer.wrap(t.lastHash()))
        .bind("at", t.endedAt())
        .bind("to", t.toCenter())
        .bind("approval", t.approvalId())
        .bind("req", t.requestedBy())
        .bind("appr", t.approvedBy())
        .bind("epoch", t.epoch())
        .fetch()
        .rowsUpdated()
        .flatMap(
            n ->
                n == 1
                    ? Mono.<Void>empty()
                    : Mono.error(
                        new FailoverException(
                            "epoch "
                                + t.epoch()
                                + " has no open epoch_history row at "
                                + t.fromCenter()
                                + " to record the demotion token in")));
  }

  private Mono<Void> becomeBackup(Instant at) {
    return sql.sql(
            "UPDATE center_state SET role = 'BACKUP', fenced_reason = NULL, updated_at = :at WHERE id = 1")
        .bind("at", at)
        .then();
  }

  /**
   * The target becomes this center's source at the token: its first record (seq + 1 of the new
   * epoch) chains onto this center's last one, so the old master follows the new one with nothing
   * to rebuild.
   */
  private Mono<Void> follow(DemotionToken t) {
    return sql.sql(
            "INSERT INTO replication_bookmark (source_center, epoch, applied_seq, applied_hash, updated_at)"
                + " VALUES (:src, :epoch, :seq, :hash, :at) ON CONFLICT (source_center) DO UPDATE SET"
                + " epoch = EXCLUDED.epoch, applied_seq = EXCLUDED.applied_seq,"
                + " applied_hash = EXCLUDED.applied_hash, updated_at = EXCLUDED.updated_at")
        .bind("src", t.toCenter())
        .bind("epoch", t.epoch())
        .bind("seq", t.lastSeq())
        .bind("hash", ByteBuffer.wrap(t.lastHash()))
        .bind("at", t.endedAt())
        .then();
  }

  /** The token recorded for the highest epoch that ended by a switchover, if any. */
  static Mono<DemotionToken> latest(DatabaseClient sql) {
    return sql.sql(
            "SELECT "
                + TOKEN_COLUMNS
                + " FROM epoch_history WHERE handed_to IS NOT NULL ORDER BY epoch DESC LIMIT 1")
        .map(Demotion::token)
        .one();
  }

  static DemotionToken token(Readable r) {
    return new DemotionToken(
        Objects.requireNonNull(r.get("epoch", Long.class)),
        Objects.requireNonNull(r.get("ended_seq", Long.class)),
        Objects.requireNonNull(Promotion.bytes(r, "ended_hash")),
        Objects.requireNonNull(r.get("center_id", String.class)),
        Objects.requireNonNull(r.get("handed_to", String.class)),
        Objects.requireNonNull(r.get("handover_approval", String.class)),
        Objects.requireNonNull(r.get("handover_requested_by", String.class)),
        Objects.requireNonNull(r.get("handover_approved_by", String.class)),
        Objects.requireNonNull(r.get("ended_at", OffsetDateTime.class)).toInstant());
  }
}
