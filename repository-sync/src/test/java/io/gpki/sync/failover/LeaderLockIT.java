package io.gpki.sync.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Two replicas on one database: exactly one leads; terminating the leader's session (what a lost
 * connection or a killed process does) hands leadership over, and the two never lead at once.
 */
class LeaderLockIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration CHECK = Duration.ofMillis(200);

  @Test
  void oneLeaderAtATimeAndKillingItsConnectionHandsOver() throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    AtomicInteger leading = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    try (LeaderLock a =
            LeaderLock.start(db, LeaderLock.WRITERS, CHECK, Clock.systemUTC(), "replica-a");
        LeaderLock b =
            LeaderLock.start(db, LeaderLock.WRITERS, CHECK, Clock.systemUTC(), "replica-b")) {
      Disposable watch =
          Flux.merge(a.leadership().skip(1), b.leadership().skip(1))
              .subscribe(
                  now -> {
                    int n = now ? leading.incrementAndGet() : leading.decrementAndGet();
                    most.accumulateAndGet(n, Math::max);
                  });
      try {
        LeaderLock first =
            Mono.firstWithValue(
                    a.leadership().filter(x -> x).next().thenReturn(a),
                    b.leadership().filter(x -> x).next().thenReturn(b))
                .block(WAIT);
        LeaderLock second = first == a ? b : a;
        assertThat(first.isLeader()).isTrue();
        assertThat(second.isLeader()).isFalse();
        assertThat(sessions(db)).as("both replicas keep a session").isEqualTo(2);

        terminate(db, first == a ? "replica-a" : "replica-b");
        StepVerifier.create(second.leadership().filter(x -> x).next())
            .expectNext(true)
            .expectComplete()
            .verify(WAIT);
        assertThat(first.isLeader()).as("the killed session's replica stopped leading").isFalse();

        // The former leader comes back as a follower, and closing the leader hands over again.
        second.close();
        StepVerifier.create(first.leadership().filter(x -> x).next())
            .expectNext(true)
            .expectComplete()
            .verify(WAIT);
        assertThat(most.get()).as("never two leaders at once").isEqualTo(1);
      } finally {
        watch.dispose();
      }
    }
  }

  private static long sessions(DatabaseCoordinates db) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name LIKE 'gpki-leader-replica-%'")) {
      rs.next();
      return rs.getLong(1);
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
