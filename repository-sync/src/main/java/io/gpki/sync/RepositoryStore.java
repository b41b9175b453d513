package io.gpki.sync;

import io.gpki.sync.store.R2dbcReferralStore;
import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcRepositoryStore;
import io.gpki.sync.store.SchemaMigrator;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;

/**
 * The repository store: opens the R2DBC pool and hands each caller its own small interface. All
 * repository mutations go through here and append to the ordered change log in the same transaction.
 */
public final class RepositoryStore implements AutoCloseable {

  private final ConnectionPool pool;
  private final R2dbcRepositoryStore store;
  private final R2dbcReferralStore referrals;

  private RepositoryStore(ConnectionPool pool, Clock clock) {
    this.pool = pool;
    this.store = new R2dbcRepositoryStore(pool, clock);
    this.referrals = new R2dbcReferralStore(pool, clock);
  }

  /**
   * Applies pending schema migrations over JDBC. Blocking: call at startup, off the event loop.
   *
   * @return the schema version after migration
   */
  public static String migrate(DatabaseCoordinates db) {
    return SchemaMigrator.migrate(db);
  }

  /**
   * Opens a connection pool to the database.
   *
   * @param db where the database is
   * @param maxConnections pool size
   * @param clock the clock stamped on change-log entries
   */
  public static RepositoryStore open(DatabaseCoordinates db, int maxConnections, Clock clock) {
    ConnectionPool pool = ConnectionPools.open(db, "gpki-store", 2, maxConnections);
    return new RepositoryStore(pool, clock);
  }

  /** CA records and key generations. */
  public CaRegistry cas() {
    return store;
  }

  /** Certificates and revocations. */
  public CertificateStore certificates() {
    return store;
  }

  /** The CRL/ARL archive. */
  public CrlStore crls() {
    return store;
  }

  /** Cross-certificate pairs. */
  public CrossPairStore crossPairs() {
    return store;
  }

  /** The change log. */
  public ChangeLogReader changeLog() {
    return store;
  }

  /** What the read path publishes. */
  public RepositoryContentSource content() {
    return store;
  }

  /** Referrals of external CAs whose repositories stay with them. */
  public ReferralStore referrals() {
    return referrals;
  }

  /** Closes the pool. */
  @Override
  public void close() {
    pool.dispose();
  }
}
