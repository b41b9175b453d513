package io.gpki.sync;

import io.gpki.sync.store.AuditJdbcVerifier;
import io.gpki.sync.store.AuditR2dbcLog;
import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcNotificationOutbox;
import io.gpki.sync.store.R2dbcRegistrationStore;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;

/**
 * Registration storage: the journal, LRAs and operators, approvals and the audit log, over their
 * own small R2DBC pool (schema from {@link RepositoryStore#migrate}, which must have run first).
 */
public final class RegistrationStores implements AutoCloseable {

  private final ConnectionPool pool;
  private final R2dbcRegistrationStore store;
  private final AuditR2dbcLog audit;
  private final R2dbcNotificationOutbox outbox;

  private RegistrationStores(ConnectionPool pool, Clock clock) {
    this.pool = pool;
    this.store = new R2dbcRegistrationStore(pool, clock);
    this.audit = new AuditR2dbcLog(pool, clock);
    this.outbox = new R2dbcNotificationOutbox(pool, clock);
  }

  /**
   * Opens the pool.
   *
   * @param db where the database is
   * @param maxConnections pool size
   * @param clock stamps records
   */
  public static RegistrationStores open(DatabaseCoordinates db, int maxConnections, Clock clock) {
    ConnectionPool pool = ConnectionPools.open(db, "gpki-registration", 1, maxConnections);
    return new RegistrationStores(pool, clock);
  }

  /**
   * Verifies the whole audit chain and every seal's signature over JDBC. Blocking: for the command
   * line and tests.
   */
  public static AuditVerification verifyAudit(DatabaseCoordinates db) {
    return AuditJdbcVerifier.verify(db);
  }

  /** The durable request journal. */
  public RegistrationJournal journal() {
    return store;
  }

  /** LRAs and operators. */
  public LraRegistry lras() {
    return store;
  }

  /** Server-generated subscriber keys (encrypted, handed out once). */
  public ServerKeyStore serverKeys() {
    return store.serverKeys();
  }

  /** Two-person approvals. */
  public OperatorApprovals approvals() {
    return store;
  }

  /** The notification outbox and LRA notification settings. */
  public NotificationOutbox notifications() {
    return outbox;
  }

  /** The audit log. */
  public AuditLog audit() {
    return audit;
  }

  @Override
  public void close() {
    pool.dispose();
  }
}
