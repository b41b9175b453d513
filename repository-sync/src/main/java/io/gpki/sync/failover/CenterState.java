package io.gpki.sync.failover;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.DemotionToken;
import io.gpki.sync.store.ConnectionPools;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * This node's center: its id, role ({@link CenterRole}) and epoch, persisted in {@code
 * center_state} and held in memory so that the signer's guard is a volatile read.
 *
 * <p>Lifecycle: {@link #start} (JDBC, at startup after the migrations) sets {@code running}; a
 * master that finds it already set stopped uncleanly and comes up FENCED (when {@link
 * CenterSettings#fenceOnUncleanStop()}). {@link #close} clears it at a clean stop.
 *
 * <p>For replication: call {@link #observeEpoch} with every epoch seen from elsewhere (stream
 * frame, reconnect, peer status). A master that sees a higher epoch is fenced in memory at the
 * moment of the call; the returned publisher persists it. A backup follows the higher epoch.
 */
public final class CenterState implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CenterState.class);
  static final String UNCLEAN_STOP = "stopped uncleanly";
  private static final String VIEW_COLUMNS = "center_id, role, epoch, fenced_reason, updated_at";

  private final DatabaseCoordinates db;
  private final ConnectionPool pool;
  private final DatabaseClient sql;
  private final TransactionalOperator tx;
  private final Clock clock;
  // Read without locks; replaced only in install (synchronized).
  private volatile CenterView view;
  private final Sinks.Many<CenterView> changes = Sinks.many().replay().latest();
  private final AtomicBoolean closed = new AtomicBoolean();
  // Set when this replica fenced itself (observeEpoch); only a persisted unfence or promotion
  // clears it,
  // so following the shared row never undoes it.
  private volatile boolean fencedHere;

  private CenterState(DatabaseCoordinates db, CenterView initial, Clock clock) {
    this.db = db;
    this.clock = clock;
    this.pool = ConnectionPools.open(db, "gpki-center", 1, 2);
    this.sql = DatabaseClient.create(pool);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(pool));
    this.view = initial;
    changes.tryEmitNext(initial);
  }

  /**
   * Reads (first start: creates) the center's row and marks it running. Blocking (JDBC): call at
   * startup, after {@code RepositoryStore.migrate}, off the event loop.
   *
   * @throws IllegalStateException when the database belongs to another center id
   */
  public static CenterState start(DatabaseCoordinates db, CenterSettings settings, Clock clock) {
    CenterView v = CenterStateJdbc.start(db, settings, clock.instant());
    if (v.role() == CenterRole.FENCED) {
      LOG.warn(
          "center {} comes up FENCED at epoch {}: {}", v.centerId(), v.epoch(), v.fencedReason());
    } else {
      LOG.info("center {} is {} at epoch {}", v.centerId(), v.role(), v.epoch());
    }
    return new CenterState(db, v, clock);
  }

  /** The center as it stands now; never blocks. */
  public CenterView view() {
    return view;
  }

  /** This center's id. */
  public String centerId() {
    return view.centerId();
  }

  /** The current role. */
  public CenterRole role() {
    return view.role();
  }

  /** The epoch this center knows as current. */
  public long epoch() {
    return view.epoch();
  }

  /** Whether this node may sign and publish now (MASTER). */
  public boolean writable() {
    return view.writable();
  }

  /** Why this node may not sign now, or null when it may. A volatile read. */
  public @Nullable String refusal() {
    CenterView v = view;
    return switch (v.role()) {
      case MASTER -> null;
      case BACKUP -> "center " + v.centerId() + " is a BACKUP at epoch " + v.epoch();
      case FENCED ->
          "center " + v.centerId() + " is FENCED at epoch " + v.epoch() + ": " + v.fencedReason();
    };
  }

  /** The current view, then every change (role, epoch). */
  public Flux<CenterView> changes() {
    return changes.asFlux();
  }

  /**
   * An epoch seen elsewhere (a stream frame, a reconnect, the peer's status). A master that sees a
   * higher epoch than its own is fenced in memory at once, before this returns; subscribe to the
   * result to persist the fence. A backup moves to the higher epoch. Lower or equal epochs change
   * nothing.
   *
   * @param observed the epoch seen
   * @param where where it was seen, for the fence reason and the log
   * @return the view after the change is persisted
   */
  public Mono<CenterView> observeEpoch(long observed, String where) {
    CenterView now = view;
    if (observed <= now.epoch()) {
      return Mono.just(now);
    }
    if (now.role() == CenterRole.MASTER) {
      String reason =
          "saw epoch " + observed + " above its own " + now.epoch() + " (" + where + ")";
      CenterView fenced =
          new CenterView(now.centerId(), CenterRole.FENCED, now.epoch(), reason, clock.instant());
      fencedHere = true;
      if (install(now, fenced)) {
        LOG.error("center {} FENCED itself: {}", now.centerId(), reason);
      }
      return update(
          "UPDATE center_state SET role = 'FENCED', fenced_reason = :reason, updated_at = :at WHERE id = 1"
              + " AND role = 'MASTER' RETURNING "
              + VIEW_COLUMNS,
          Objects.requireNonNull(view.fencedReason()),
          null);
    }
    if (now.role() == CenterRole.BACKUP) {
      return update(
          "UPDATE center_state SET epoch = :epoch, updated_at = :at WHERE id = 1 AND role = 'BACKUP'"
              + " AND epoch < :epoch RETURNING "
              + VIEW_COLUMNS,
          null,
          observed);
    }
    return Mono.just(now);
  }

  /**
   * As {@link #observeEpoch(long, String)}, for replication's epoch observer ({@code epoch ->
   * center.observeEpoch(epoch)}): the fence is in memory when this returns; the publisher persists
   * it.
   */
  public Mono<Void> observeEpoch(long observed) {
    return observeEpoch(observed, "replication").then();
  }

  /**
   * The peer's epoch, as it reported it. A higher one fences (as {@link #observeEpoch}); a node
   * fenced for an unclean stop whose peer confirms no higher epoch exists becomes MASTER again. A
   * node fenced because it saw a higher epoch stays fenced.
   */
  public Mono<CenterView> peerConfirmsEpoch(long peerEpoch, String peerCenter) {
    CenterView now = view;
    if (peerEpoch > now.epoch()) {
      return observeEpoch(peerEpoch, "peer " + peerCenter);
    }
    if (now.role() != CenterRole.FENCED
        || !String.valueOf(now.fencedReason()).startsWith(UNCLEAN_STOP)) {
      return Mono.just(now);
    }
    return noHigherEpochOnRecord(now)
        .then(
            update(
                "UPDATE center_state SET role = 'MASTER', fenced_reason = NULL, updated_at = :at WHERE id = 1"
                    + " AND role = 'FENCED' AND epoch = :epoch RETURNING "
                    + VIEW_COLUMNS,
                null,
                now.epoch()))
        .doOnNext(
            v ->
                LOG.warn(
                    "center {} unfenced: peer {} confirmed no epoch above {}",
                    v.centerId(),
                    peerCenter,
                    v.epoch()));
  }

  /**
   * Two operators unfence a FENCED center: it becomes MASTER at its epoch. Refused when the epoch
   * history on record names a higher epoch (the peer was promoted: rebuild this center from it
   * instead).
   */
  public Mono<CenterView> unfence(String requestedBy, String approvedBy, String reason) {
    return Mono.defer(
        () -> {
          CenterView now = view;
          if (now.role() != CenterRole.FENCED) {
            return Mono.error(
                new FailoverException(
                    "center " + now.centerId() + " is " + now.role() + ", not FENCED"));
          }
          if (requestedBy.equals(approvedBy)) {
            return Mono.error(new FailoverException("unfencing needs two different operators"));
          }
          return noHigherEpochOnRecord(now)
              .then(
                  update(
                      "UPDATE center_state SET role = 'MASTER', fenced_reason = NULL, updated_at = :at"
                          + " WHERE id = 1 AND role = 'FENCED' AND epoch = :epoch RETURNING "
                          + VIEW_COLUMNS,
                      null,
                      now.epoch()))
              .doOnNext(
                  v -> {
                    if (v.writable()) {
                      fencedHere = false;
                    }
                    LOG.warn(
                        "center {} unfenced by {} and {}: {}",
                        v.centerId(),
                        requestedBy,
                        approvedBy,
                        reason);
                  });
        });
  }

  /**
   * Promotes this BACKUP: persists the new epoch (one above every epoch on record) with its fork
   * point (the last applied sequence number and chain hash of the replication bookmark, else of the
   * local change log) and makes the center MASTER, in one transaction. Nothing is signed before
   * this commits.
   *
   * @param kind {@code FAILOVER} or {@code SWITCHOVER}
   */
  public Mono<EpochRecord> promote(
      String kind, String requestedBy, String approvedBy, String reason) {
    return new Promotion(sql, tx, clock)
        .persist(centerId(), kind, requestedBy, approvedBy, reason)
        .flatMap(
            e ->
                sql.sql("SELECT " + VIEW_COLUMNS + " FROM center_state WHERE id = 1")
                    .map(CenterState::row)
                    .one()
                    .doOnNext(v -> install(view, v))
                    .thenReturn(e))
        .doOnNext(
            e ->
                LOG.warn(
                    "center {} promoted to MASTER at epoch {} ({})",
                    e.centerId(),
                    e.epoch(),
                    kind));
  }

  /**
   * Switchover, at the MASTER: stops writing here and hands over to {@code target}. In this order:
   * the signer refuses from the moment this is called (the view is FENCED in memory before anything
   * else); then one transaction records the demotion token (this epoch's last seq and chain hash,
   * taken under the change-log head's lock, so nothing is appended after it) in this epoch's {@code
   * epoch_history} row, makes the center BACKUP, and bookmarks {@code target} as its replication
   * source at the token. The token then travels as the final frame of the replication stream to
   * {@code target} only.
   *
   * <p>Run again for the same approval (a retry, a restart), it answers the token on record. When
   * the transaction fails, the center stays FENCED in memory (it signs nothing) and MASTER on disk:
   * run it again, or restart (a master that stopped uncleanly comes up fenced in a DR pair).
   */
  public Mono<DemotionToken> demote(
      String target, String approvalId, String requestedBy, String approvedBy) {
    return new Switchover(this, sql, tx, clock).demote(target, approvalId, requestedBy, approvedBy);
  }

  /** The demotion token of the highest epoch that ended by a switchover at this center, if any. */
  public Mono<DemotionToken> demotion() {
    return Demotion.latest(sql);
  }

  /**
   * Switchover, at the target BACKUP: promotes this center with the old master's demotion token.
   * Refused unless this center applied the old master's log exactly up to the token's seq, with the
   * same chain hash, and the new epoch is exactly the token's plus one; the epoch history records
   * the token as the fork point (kind {@code SWITCHOVER}). Run again after a crash, it answers the
   * epoch it already started.
   */
  public Mono<EpochRecord> takeOver(DemotionToken token) {
    return new Switchover(this, sql, tx, clock).takeOver(token);
  }

  /** Marks (or clears) a fence this replica raised itself: following the shared row keeps it. */
  void fenceHere(boolean fenced) {
    fencedHere = fenced;
  }

  /** Reads the persisted row and installs it (after a switchover's transaction). */
  Mono<CenterView> reread(boolean clearOwnFence) {
    return sql.sql("SELECT " + VIEW_COLUMNS + " FROM center_state WHERE id = 1")
        .map(CenterState::row)
        .one()
        .doOnNext(
            v -> {
              if (clearOwnFence) {
                fencedHere = false;
              }
              install(view, v);
            });
  }

  /**
   * Follows the shared row every {@code poll}: the replicas of a center share {@code center_state},
   * so a fence, promotion or unfence persisted by one replica reaches the others within one poll. A
   * fence this replica raised itself is never undone by the row.
   *
   * @return a handle that stops following
   */
  public reactor.core.Disposable follow(Duration poll) {
    return Flux.interval(poll, poll)
        .onBackpressureDrop()
        .concatMap(
            t -> {
              CenterView before = view;
              return sql.sql("SELECT " + VIEW_COLUMNS + " FROM center_state WHERE id = 1")
                  .map(CenterState::row)
                  .one()
                  .doOnNext(
                      row -> {
                        if (row.role() == CenterRole.MASTER && fencedHere) {
                          return;
                        }
                        install(before, row);
                      })
                  .onErrorResume(e -> Mono.empty());
            },
            1)
        .subscribe();
  }

  /** The epoch history, oldest first. */
  public Flux<EpochRecord> history() {
    return sql.sql(
            "SELECT epoch, center_id, first_seq, prev_last_seq, prev_chain_hash, kind, requested_by,"
                + " approved_by, reason, started_at FROM epoch_history ORDER BY epoch")
        .map(Promotion::epochRow)
        .all();
  }

  private Mono<Void> noHigherEpochOnRecord(CenterView now) {
    return sql.sql("SELECT max(epoch) FROM epoch_history")
        .map(r -> java.util.Optional.ofNullable(r.get(0, Long.class)))
        .one()
        .flatMap(
            max ->
                max.isPresent() && max.get() > now.epoch()
                    ? Mono.error(
                        new FailoverException(
                            "epoch "
                                + max.get()
                                + " is on record, above this center's "
                                + now.epoch()
                                + ": rebuild it from the current master instead"))
                    : Mono.<Void>empty());
  }

  private Mono<CenterView> update(String statement, @Nullable String reason, @Nullable Long epoch) {
    return Mono.defer(
        () -> {
          CenterView before = view;
          var spec = sql.sql(statement).bind("at", clock.instant());
          if (reason != null) {
            spec = spec.bind("reason", reason);
          }
          if (epoch != null) {
            spec = spec.bind("epoch", epoch);
          }
          return spec.map(CenterState::row)
              .one()
              .doOnNext(v -> install(before, v))
              .map(v -> view)
              .switchIfEmpty(Mono.fromSupplier(this::view));
        });
  }

  /**
   * Installs a new view unless it would undo a fence: a node fenced in memory stays fenced until a
   * persisted unfence says otherwise.
   */
  @SuppressWarnings(
      "ReferenceEquality") // identity: has the view been replaced since the caller read it
  synchronized boolean install(CenterView before, CenterView next) {
    CenterView current = view;
    if (current.role() == CenterRole.FENCED
        && next.role() == CenterRole.MASTER
        && current != before) {
      return false;
    }
    if (current.equals(next)) {
      return false;
    }
    view = next;
    changes.emitNext(next, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    return true;
  }

  static CenterView row(Readable r) {
    return new CenterView(
        Objects.requireNonNull(r.get("center_id", String.class)),
        CenterRole.valueOf(Objects.requireNonNull(r.get("role", String.class))),
        Objects.requireNonNull(r.get("epoch", Long.class)),
        r.get("fenced_reason", String.class),
        Objects.requireNonNull(r.get("updated_at", java.time.OffsetDateTime.class)).toInstant());
  }

  /**
   * Records a clean stop (clears {@code running}) and closes the pool. Blocking (JDBC): called by
   * the container on its shutdown thread.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        CenterStateJdbc.stop(db);
        LOG.info("center {} stopped cleanly", centerId());
      } catch (RuntimeException e) {
        LOG.warn(
            "could not record a clean stop; the next start sees an unclean one: {}",
            e.getMessage());
      } finally {
        pool.dispose();
      }
    }
  }

  Instant now() {
    return clock.instant();
  }
}
