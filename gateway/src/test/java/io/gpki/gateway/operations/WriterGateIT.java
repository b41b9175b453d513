package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterSettings;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.LeaderLock;
import io.gpki.sync.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposables;
import reactor.test.StepVerifier;

/**
 * Two gateway-like replicas of one center on one database, each with its center state, writer lock
 * and writer gate: only one runs its writers at any time; killing the leader's connection hands the
 * writers over; a master that sees a higher epoch stops its writers at once.
 */
class WriterGateIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration CHECK = Duration.ofMillis(250);

  /** One replica: its writer counts itself in {@code active} while it runs. */
  private record Replica(
      String name, CenterState center, LeaderLock lock, WriterGate gate, AtomicInteger running) {}

  private static Replica replica(
      DatabaseCoordinates db, String name, AtomicInteger active, AtomicInteger most) {
    CenterState center =
        CenterState.start(
            db, new CenterSettings("tokyo", CenterRole.MASTER, true), Clock.systemUTC());
    LeaderLock lock = LeaderLock.start(db, LeaderLock.WRITERS, CHECK, Clock.systemUTC(), name);
    WriterGate gate = new WriterGate(center, lock.leadership());
    AtomicInteger running = new AtomicInteger();
    gate.run(
        "crl-publisher",
        () -> {
          running.incrementAndGet();
          most.accumulateAndGet(active.incrementAndGet(), Math::max);
          return Disposables.composite(
              () -> {
                running.decrementAndGet();
                active.decrementAndGet();
              });
        });
    return new Replica(name, center, lock, gate, running);
  }

  @Test
  void onlyOneReplicaWritesAndKillingTheLeadersConnectionHandsOver() throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    AtomicInteger active = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    Replica a = replica(db, "tokyo-a", active, most);
    // The second replica starts while the first runs (and holds its leader session).
    StepVerifier.create(a.gate().open().filter(x -> x).next())
        .expectNext(true)
        .expectComplete()
        .verify(WAIT);
    Replica b = replica(db, "tokyo-b", active, most);
    try {
      Replica leader = a;
      Replica follower = b;
      // Give the follower time to try the lock and fail: it keeps trying every check.
      StepVerifier.create(
              b.lock().leadership().take(Duration.ofMillis(CHECK.toMillis() * 8)).filter(x -> x))
          .expectComplete()
          .verify(WAIT);
      assertThat(leader.running().get()).isEqualTo(1);
      assertThat(follower.running().get()).isZero();
      assertThat(follower.center().role())
          .as("a second replica of a running master is not fenced")
          .isEqualTo(CenterRole.MASTER);

      terminate(db, leader.name());
      StepVerifier.create(follower.gate().open().filter(x -> x).next())
          .expectNext(true)
          .expectComplete()
          .verify(WAIT);
      assertThat(follower.running().get()).isEqualTo(1);
      assertThat(leader.running().get())
          .as("the killed session's replica stopped writing")
          .isZero();

      // The new leader's center sees a higher epoch: its writers stop before observeEpoch returns,
      // and the
      // other replica follows the shared row to FENCED.
      var persist = follower.center().observeEpoch(2, "peer status");
      assertThat(follower.running().get()).isZero();
      StepVerifier.create(persist).expectNextCount(1).expectComplete().verify(WAIT);
      reactor.core.Disposable following = leader.center().follow(CHECK);
      StepVerifier.create(
              leader.center().changes().filter(v -> v.role() == CenterRole.FENCED).next())
          .expectNextCount(1)
          .expectComplete()
          .verify(WAIT);
      following.dispose();
      assertThat(most.get()).as("never two writers at once").isEqualTo(1);
    } finally {
      for (Replica r : new Replica[] {a, b}) {
        r.gate().close();
        r.lock().close();
        r.center().close();
      }
    }
  }

  private static void terminate(DatabaseCoordinates db, String replica) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name = 'gpki-leader-"
                    + replica
                    + "'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
  }
}
