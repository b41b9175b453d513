package io.gpki.sync.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * A center's role and epoch against a real PostgreSQL: start, unclean stop, fencing, unfence,
 * promotion.
 */
class CenterStateIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final CenterSettings DR_MASTER =
      new CenterSettings("tokyo", CenterRole.MASTER, true);
  private static final CenterSettings DR_BACKUP =
      new CenterSettings("osaka", CenterRole.BACKUP, true);

  private DatabaseCoordinates db;
  private final List<CenterState> opened = new ArrayList<>();

  @BeforeEach
  void database() {
    db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
  }

  @AfterEach
  void closeAll() {
    opened.forEach(CenterState::close);
  }

  /** Starts a center; the test decides whether it stops cleanly (close) or not (abandon). */
  private CenterState start(CenterSettings settings) {
    CenterState c = CenterState.start(db, settings, Clock.systemUTC());
    opened.add(c);
    return c;
  }

  /** Simulates a crash: the process is gone, running stays set. */
  private void crash(CenterState c) throws Exception {
    opened.remove(c);
    // Close the pool without recording a clean stop: what a SIGKILL leaves behind.
    java.lang.reflect.Field pool = CenterState.class.getDeclaredField("pool");
    pool.setAccessible(true);
    ((io.r2dbc.pool.ConnectionPool) pool.get(c)).dispose();
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void exec(String sql) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  @Test
  void aSingleCenterIsMasterAtEpochOneAndStaysSoAcrossRestartsAndCrashes() throws Exception {
    CenterState first = start(CenterSettings.standalone());
    assertThat(first.view().role()).isEqualTo(CenterRole.MASTER);
    assertThat(first.epoch()).isEqualTo(1);
    assertThat(first.refusal()).isNull();
    assertThat(count("SELECT count(*) FROM epoch_history WHERE epoch = 1 AND kind = 'INITIAL'"))
        .isEqualTo(1);
    crash(first);
    CenterState again = start(CenterSettings.standalone());
    assertThat(again.role())
        .as("no peer could have taken over: no fencing")
        .isEqualTo(CenterRole.MASTER);
  }

  @Test
  void aDrMasterThatStoppedUncleanlyComesUpFencedAndACleanStopDoesNot() throws Exception {
    CenterState first = start(DR_MASTER);
    first.close();
    opened.remove(first);
    assertThat(count("SELECT count(*) FROM center_state WHERE running")).isZero();
    CenterState second = start(DR_MASTER);
    assertThat(second.role()).as("after a clean stop").isEqualTo(CenterRole.MASTER);
    crash(second);
    CenterState third = start(DR_MASTER);
    assertThat(third.role()).isEqualTo(CenterRole.FENCED);
    assertThat(third.view().fencedReason()).startsWith("stopped uncleanly");
    assertThat(third.refusal()).contains("FENCED");
    // A clean stop of the fenced node does not unfence it.
    third.close();
    opened.remove(third);
    assertThat(start(DR_MASTER).role()).isEqualTo(CenterRole.FENCED);
  }

  @Test
  void aSecondReplicaOfARunningMasterIsNotFencedAndTheFirstsStopLeavesTheFlagToIt()
      throws Exception {
    CenterState first = start(DR_MASTER);
    try (LeaderLock firstSession =
        LeaderLock.start(
            db, LeaderLock.WRITERS, Duration.ofMillis(500), Clock.systemUTC(), "tokyo-1")) {
      StepVerifier.create(firstSession.leadership().filter(x -> x).next())
          .expectNext(true)
          .expectComplete()
          .verify(WAIT);
      CenterState second = start(DR_MASTER);
      assertThat(second.role())
          .as("the flag is the first replica's, which is alive")
          .isEqualTo(CenterRole.MASTER);
      try (LeaderLock secondSession =
          LeaderLock.start(
              db, LeaderLock.WRITERS, Duration.ofMillis(500), Clock.systemUTC(), "tokyo-2")) {
        awaitSessions(2);
        firstSession.close();
        first.close();
        opened.remove(first);
        assertThat(count("SELECT count(*) FROM center_state WHERE running"))
            .as("the second replica still runs")
            .isEqualTo(1);
      }
    }
  }

  /** Waits (bounded) until both replicas' leader sessions are connected. */
  private void awaitSessions(long n) {
    StepVerifier.create(
            reactor.core.publisher.Flux.interval(Duration.ofMillis(100))
                .onBackpressureDrop()
                .concatMap(
                    t ->
                        reactor.core.publisher.Mono.fromCallable(
                                () ->
                                    count(
                                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                            + " AND application_name LIKE 'gpki-leader-%'"))
                            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()),
                    1)
                .filter(c -> c >= n)
                .next())
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void anotherCentersDatabaseStopsStartup() {
    start(DR_MASTER);
    assertThatThrownBy(() -> start(DR_BACKUP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("tokyo");
  }

  @Test
  void aMasterThatSeesAHigherEpochIsFencedAtOnceAndStaysFencedAfterARestart() throws Exception {
    CenterState master = start(DR_MASTER);
    var persist = master.observeEpoch(2, "stream reconnect");
    assertThat(master.role()).as("fenced before anything subscribes").isEqualTo(CenterRole.FENCED);
    assertThat(master.refusal()).contains("saw epoch 2");
    StepVerifier.create(persist)
        .assertNext(v -> assertThat(v.role()).isEqualTo(CenterRole.FENCED))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(master.observeEpoch(1, "old frame"))
        .assertNext(v -> assertThat(v.role()).isEqualTo(CenterRole.FENCED))
        .expectComplete()
        .verify(WAIT);
    // The peer's confirmation of a lower epoch does not unfence a node that saw a higher one.
    StepVerifier.create(master.peerConfirmsEpoch(1, "osaka"))
        .assertNext(v -> assertThat(v.role()).isEqualTo(CenterRole.FENCED))
        .expectComplete()
        .verify(WAIT);
    master.close();
    opened.remove(master);
    assertThat(start(DR_MASTER).role()).isEqualTo(CenterRole.FENCED);
  }

  @Test
  void thePeersConfirmationUnfencesANodeFencedForAnUncleanStop() throws Exception {
    crash(start(DR_MASTER));
    CenterState fenced = start(DR_MASTER);
    assertThat(fenced.role()).isEqualTo(CenterRole.FENCED);
    StepVerifier.create(fenced.peerConfirmsEpoch(1, "osaka"))
        .assertNext(v -> assertThat(v.role()).isEqualTo(CenterRole.MASTER))
        .expectComplete()
        .verify(WAIT);
    assertThat(fenced.refusal()).isNull();
    assertThat(
            count(
                "SELECT count(*) FROM center_state WHERE role = 'MASTER' AND fenced_reason IS NULL"))
        .isEqualTo(1);
  }

  @Test
  void twoOperatorsUnfenceUnlessAHigherEpochIsOnRecord() throws Exception {
    crash(start(DR_MASTER));
    CenterState fenced = start(DR_MASTER);
    StepVerifier.create(fenced.unfence("alice", "alice", "checked"))
        .expectError(FailoverException.class)
        .verify(WAIT);
    exec(
        "INSERT INTO epoch_history (epoch, center_id, first_seq, kind, started_at) VALUES (2, 'osaka', 10, 'FAILOVER', now())");
    StepVerifier.create(fenced.unfence("alice", "bob", "checked"))
        .expectErrorSatisfies(
            e ->
                assertThat(e).isInstanceOf(FailoverException.class).hasMessageContaining("epoch 2"))
        .verify(WAIT);
    assertThat(fenced.role()).isEqualTo(CenterRole.FENCED);
    exec("DELETE FROM epoch_history WHERE epoch = 2");
    StepVerifier.create(fenced.unfence("alice", "bob", "peer site confirmed down, no failover"))
        .assertNext(v -> assertThat(v.role()).isEqualTo(CenterRole.MASTER))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(fenced.unfence("alice", "bob", "again"))
        .expectError(FailoverException.class)
        .verify(WAIT);
  }

  @Test
  void aBackupFollowsTheMastersEpochAndIsPromotedWithItsForkPointOnRecord() throws Exception {
    CenterState backup = start(DR_BACKUP);
    assertThat(backup.role()).isEqualTo(CenterRole.BACKUP);
    assertThat(backup.refusal()).contains("BACKUP");
    StepVerifier.create(backup.observeEpoch(3, "stream"))
        .assertNext(
            v -> {
              assertThat(v.role()).isEqualTo(CenterRole.BACKUP);
              assertThat(v.epoch()).isEqualTo(3);
            })
        .expectComplete()
        .verify(WAIT);
    exec(
        "INSERT INTO replication_bookmark (source_center, epoch, applied_seq, applied_hash, updated_at)"
            + " VALUES ('tokyo', 3, 41, '\\x0a0b0c'::bytea, now())");
    StepVerifier.create(backup.promote("FAILOVER", "alice", "alice", "tokyo lost"))
        .expectError(FailoverException.class)
        .verify(WAIT);
    StepVerifier.create(backup.promote("FAILOVER", "alice", "bob", "tokyo lost"))
        .assertNext(
            e -> {
              assertThat(e.epoch()).isEqualTo(4);
              assertThat(e.centerId()).isEqualTo("osaka");
              assertThat(e.prevLastSeq()).isEqualTo(41);
              assertThat(e.firstSeq()).isEqualTo(42);
              assertThat(e.prevChainHash()).containsExactly(0x0a, 0x0b, 0x0c);
              assertThat(e.requestedBy()).isEqualTo("alice");
              assertThat(e.approvedBy()).isEqualTo("bob");
            })
        .expectComplete()
        .verify(WAIT);
    assertThat(backup.role()).isEqualTo(CenterRole.MASTER);
    assertThat(backup.epoch()).isEqualTo(4);
    assertThat(backup.refusal()).isNull();
    StepVerifier.create(backup.history().map(EpochRecord::epoch).collectList())
        .assertNext(l -> assertThat(l).containsExactly(4L))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(backup.promote("FAILOVER", "alice", "bob", "twice"))
        .expectError(FailoverException.class)
        .verify(WAIT);
    // Restarted (cleanly), the promoted center stays master at its epoch whatever the initial role
    // says.
    backup.close();
    opened.remove(backup);
    CenterState restarted = start(DR_BACKUP);
    assertThat(restarted.role()).isEqualTo(CenterRole.MASTER);
    assertThat(restarted.epoch()).isEqualTo(4);
  }
}
