package io.gpki.sync;

import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcAccessTotals;
import io.gpki.sync.store.R2dbcCertificateLookup;
import io.gpki.sync.store.R2dbcCertificateStatusReader;
import io.gpki.sync.store.R2dbcChangeLogRetention;
import io.gpki.sync.store.R2dbcCrlNumbers;
import io.gpki.sync.store.R2dbcReferralStore;
import io.gpki.sync.store.R2dbcRepositoryStore;
import io.gpki.sync.store.SchemaMigrator;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;

/**
 * The repository store: opens the R2DBC pool and hands each caller its own small interface. All
 * repository mutations go through here and append to the ordered change log in the same
 * transaction.
 *
 * <p>Each accessor returns the store's implementation of one area, which implements that area's
 * read port ({@link CertificateLookup}, {@link CrlLookup}, {@link CaLookup}, {@link
 * ReferralLookup}) and its write ports ({@link CertificateWriter}, {@link RevocationWriter}, {@link
 * CrlWriter}, {@link CaWriter}, {@link CrossPairWriter}, {@link ReferralWriter}). Only the
 * application's wiring holds this class; it hands every consumer the ports it uses, and the read
 * tier read ports only.
 */
public final class RepositoryStore implements AutoCloseable {

  private final ConnectionPool pool;
  private final R2dbcRepositoryStore store;
  private final R2dbcReferralStore referrals;
  private final R2dbcCertificateLookup lookup;
  private final R2dbcAccessTotals accessTotals;
  private final R2dbcCertificateStatusReader statuses;
  private final R2dbcCrlNumbers crlNumbers;
  private final R2dbcChangeLogRetention retention;

  private RepositoryStore(ConnectionPool pool, Clock clock, CertificateLookupKeys keys) {
    this.pool = pool;
    this.lookup = new R2dbcCertificateLookup(pool, keys);
    this.store = new R2dbcRepositoryStore(pool, clock, lookup);
    this.referrals = new R2dbcReferralStore(pool, clock);
    this.accessTotals = new R2dbcAccessTotals(pool, clock);
    this.statuses = new R2dbcCertificateStatusReader(pool);
    this.crlNumbers = new R2dbcCrlNumbers(pool);
    this.retention = new R2dbcChangeLogRetention(pool);
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
    return open(db, maxConnections, clock, CertificateLookupKeys.NONE);
  }

  /**
   * Opens a connection pool to the database; stored certificates get their RFC 4387 lookup keys.
   *
   * @param keys derives the lookup keys of each stored certificate
   */
  public static RepositoryStore open(
      DatabaseCoordinates db, int maxConnections, Clock clock, CertificateLookupKeys keys) {
    ConnectionPool pool = ConnectionPools.open(db, "gpki-store", 2, maxConnections);
    return new RepositoryStore(pool, clock, keys);
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

  /** Epoch-major CRL/ARL numbers, reserved before signing. */
  public CrlNumbers crlNumbers() {
    return crlNumbers;
  }

  /** Cross-certificate pairs. */
  public CrossPairStore crossPairs() {
    return store;
  }

  /** The change log. */
  public ChangeLogReader changeLog() {
    return store;
  }

  /** Pruning of old change-log entries (a writer task of the master). */
  public ChangeLogRetention changeLogRetention() {
    return retention;
  }

  /** Every certificate's current status with the change-log position it reflects. */
  public CertificateStatusReader certificateStatus() {
    return statuses;
  }

  /** What the read path publishes. */
  public RepositoryContentSource content() {
    return store;
  }

  /** Referrals of external CAs whose repositories stay with them. */
  public ReferralStore referrals() {
    return referrals;
  }

  /** RFC 4387 certificate search over every stored certificate. */
  public CertificateSearch certificateSearch() {
    return lookup;
  }

  /** Which keys of the published certificates unlabelled end-entity certificates share. */
  public CertificateLookupOverlap certificateLookupOverlap() {
    return lookup;
  }

  /** Indexes certificates stored before their lookup keys existed. */
  public CertificateLookupBackfill certificateLookupBackfill() {
    return lookup;
  }

  /** Durable repository access totals. */
  public AccessTotals accessTotals() {
    return accessTotals;
  }

  /** Closes the pool. */
  @Override
  public void close() {
    pool.dispose();
  }
}
