package io.gpki.sync.replication;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraRecord;
import io.gpki.sync.OperatorRecord;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcCertificateLookup;
import io.gpki.sync.store.R2dbcReplication;
import io.gpki.sync.testing.TestDatabase;
import io.r2dbc.pool.ConnectionPool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** One center of a test: its own database, stores and replication store. */
final class Center implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final Scheduler VERIFY = Schedulers.newBoundedElastic(2, 1000, "replication-verify");

  final String id;
  final DatabaseCoordinates db;
  final RepositoryStore repo;
  final RegistrationStores reg;
  final ConnectionPool pool;
  final R2dbcReplication replication;
  final AckSignal acks = new AckSignal();

  Center(String id) {
    this.id = id;
    this.db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    this.repo = RepositoryStore.open(db, 4, Clock.systemUTC());
    this.reg = RegistrationStores.open(db, 4, Clock.systemUTC());
    this.pool = ConnectionPools.open(db, "repl-" + id, 1, 4);
    this.replication =
        new R2dbcReplication(
            pool,
            Clock.systemUTC(),
            new R2dbcCertificateLookup(pool, CertificateLookupKeys.NONE),
            VERIFY);
  }

  /**
   * Writes a CA, certificates, a revocation, a CRL, an LRA, an operator and an accepted journal
   * row.
   */
  String writeWorkload(TestPki pki, int certificates) throws Exception {
    repo.cas().createCa(pki.caRecord(), pki.caKeyRecord()).block(WAIT);
    List<CertificateRecord> stored = new ArrayList<>();
    for (int i = 1; i <= certificates; i++) {
      stored.add(repo.certificates().store(pki.endEntity(i, pki.caKey.getPrivate())).block(WAIT));
    }
    repo.certificates()
        .revoke(
            TestPki.CA, stored.get(0).serialHex(), new io.gpki.sync.Revocation(pki.now, 1, null))
        .block(WAIT);
    repo.crls().archive(pki.crl(1, List.of(1L))).block(WAIT);
    reg.lras()
        .registerLra(
            new LraRecord(
                "lra-1",
                "Ministry LRA",
                TestPki.CA,
                "O=Test",
                List.of("test"),
                List.of("example.jp"),
                List.of(),
                pki.now),
            audit("LRA_REGISTERED", "lra-1"))
        .block(WAIT);
    reg.lras()
        .registerOperator(
            new OperatorRecord(
                "op-1",
                "lra-1",
                "Operator",
                List.of("LRA_OPERATOR"),
                new byte[32],
                TestPki.CA,
                "99",
                true,
                pki.now),
            audit("OPERATOR_REGISTERED", "op-1"))
        .block(WAIT);
    String request = "req-" + System.nanoTime();
    reg.journal()
        .accept(
            JournalEntry.accepted(
                request,
                "lra-1",
                "op-1",
                "k-" + request,
                JournalEntry.Kind.ISSUE,
                TestPki.CA,
                "{\"subject\":\"CN=x\"}",
                new byte[32],
                null,
                pki.now),
            audit("REQUEST_ACCEPTED", request))
        .block(WAIT);
    return request;
  }

  static AuditEvent audit(String type, String object) {
    return new AuditEvent(type, "test", "tester", object, "OK", "replication test");
  }

  long head() {
    return replication.head().block(WAIT).seq();
  }

  long bookmark(String source) {
    return replication.bookmark(source).block(WAIT).seq();
  }

  Map<String, String> digests() {
    return replication.digests().block(WAIT);
  }

  /** Runs one SQL statement over JDBC (test set-up and tampering). */
  void sql(String statement) {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(statement, e);
    }
  }

  /** The first column of every row of a query, as text. */
  List<String> column(String query) {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      List<String> out = new ArrayList<>();
      while (r.next()) {
        out.add(r.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException(query, e);
    }
  }

  @Override
  public void close() {
    repo.close();
    reg.close();
    pool.dispose();
  }
}
