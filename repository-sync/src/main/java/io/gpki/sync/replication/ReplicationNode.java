package io.gpki.sync.replication;

import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcCertificateLookup;
import io.gpki.sync.store.R2dbcReplication;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Replication of one center, for the application to wire: a small pool of its own on the center's
 * database, the master's stream ({@link #source}), the backup's subscriber ({@link #subscriber})
 * and the publication gate ({@link #gate}). Callers outside this module see only this package.
 */
public final class ReplicationNode implements AutoCloseable {

  private final ConnectionPool pool;
  private final Scheduler verify;
  private final R2dbcReplication store;
  private final Clock clock;
  private final AckSignal acks = new AckSignal();

  private ReplicationNode(
      ConnectionPool pool, Scheduler verify, R2dbcReplication store, Clock clock) {
    this.pool = pool;
    this.verify = verify;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Opens the node's pool.
   *
   * @param keys the RFC 4387 lookup keys of certificates applied at a backup (the gateway's own)
   */
  public static ReplicationNode open(
      DatabaseCoordinates db, CertificateLookupKeys keys, Clock clock) {
    ConnectionPool pool = ConnectionPools.open(db, "gpki-replication", 1, 4);
    Scheduler verify = Schedulers.newBoundedElastic(2, 10_000, "replication-verify");
    return new ReplicationNode(
        pool,
        verify,
        new R2dbcReplication(pool, clock, new R2dbcCertificateLookup(pool, keys), verify),
        clock);
  }

  /**
   * Declares this center's id and configured role on first start (center_state row absent) and
   * returns the role in effect. Blocking (JDBC): call at startup on the main thread.
   */
  public static String declareRole(DatabaseCoordinates db, String centerId, String role) {
    return io.gpki.sync.store.CenterStateSeed.declare(db, centerId, role);
  }

  /** The default epoch source: center_state (MASTER at epoch 1 without a row). */
  public EpochSource centerState() {
    return EpochSource.centerState(store);
  }

  /** The master's stream listener (not started). */
  public ReplicationSource source(
      EpochSource epochs,
      EpochObserver observer,
      Set<String> peers,
      Duration poll,
      Duration heartbeat) {
    return new ReplicationSource(store, epochs, observer, peers, poll, heartbeat, clock, acks);
  }

  /** The backup's subscriber (not started). */
  public ReplicationSubscriber subscriber(
      EpochSource epochs,
      EpochObserver observer,
      String masterCenter,
      String masterUrl,
      Duration minBackoff,
      Duration maxBackoff,
      Duration heartbeatTimeout) {
    return new ReplicationSubscriber(
        store,
        epochs,
        observer,
        masterCenter,
        masterUrl,
        minBackoff,
        maxBackoff,
        heartbeatTimeout,
        clock);
  }

  /** The backup's subscriber (not started), told when its master hands over to it. */
  public ReplicationSubscriber subscriber(
      EpochSource epochs,
      EpochObserver observer,
      String masterCenter,
      String masterUrl,
      Duration minBackoff,
      Duration maxBackoff,
      Duration heartbeatTimeout,
      HandoverListener handover) {
    return new ReplicationSubscriber(
        store,
        epochs,
        observer,
        masterCenter,
        masterUrl,
        minBackoff,
        maxBackoff,
        heartbeatTimeout,
        clock,
        handover);
  }

  /** "Publish only what the backup holds", with the default timeout. */
  public PublicationGate gate(Duration timeout) {
    return new PublicationGate(store, acks, timeout);
  }

  /** This center's change-log head seq (what a publication must wait for). */
  public Mono<Long> head() {
    return store.head().map(R2dbcReplication.Position::seq);
  }

  /** The highest seq a backup acknowledged. */
  public Mono<Long> acknowledged() {
    return store.maxAcknowledged();
  }

  /** Per-table digests of this center (anti-entropy). */
  public Mono<Map<String, String>> digests() {
    return store.digests();
  }

  @Override
  public void close() {
    pool.dispose();
    verify.dispose();
  }
}
