package io.gpki.sync.replication;

import static io.gpki.sync.replication.Center.WAIT;
import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.sync.CertificateRecord;
import io.gpki.sync.DemotionToken;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.Revocation;
import io.gpki.sync.StoreException;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterSettings;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.EpochRecord;
import io.gpki.sync.failover.FailoverException;
import io.gpki.sync.failover.QuarantineReport;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Failback and the return of an old master, two centers with their own PostgreSQL databases and the
 * stream over mutual TLS on loopback: a switchover with a demotion token under a write burst
 * (nothing acknowledged is lost, never two signers), the old master following the new one from the
 * token, and the quarantine report of an old master's unreplicated tail.
 */
class FailbackIT {

  private static TestPki pki;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void pki() throws Exception {
    pki = new TestPki();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  private Center center(String id) {
    Center c = new Center(id);
    opened.add(c);
    return c;
  }

  private CenterState state(Center c, CenterRole role) {
    CenterState s =
        CenterState.start(c.db, new CenterSettings(c.id, role, true), Clock.systemUTC());
    opened.add(s);
    return s;
  }

  /** The epoch source as the gateway wires it: the in-memory view of the center. */
  private static EpochSource epochs(CenterState s) {
    return () -> Mono.fromSupplier(() -> new EpochSource.CenterView(s.role().name(), s.epoch()));
  }

  private ReplicationSource source(Center c, CenterState s, String peer) throws Exception {
    ReplicationSource src =
        new ReplicationSource(
            c.replication,
            epochs(s),
            s::observeEpoch,
            Set.of(peer),
            Duration.ofMillis(20),
            Duration.ofMillis(200),
            Clock.systemUTC(),
            c.acks);
    src.start("127.0.0.1", 0, pki.replicationTls(c.id), Schedulers.boundedElastic()).block(WAIT);
    opened.add(src);
    return src;
  }

  private ReplicationSubscriber subscribe(
      Center c, CenterState s, String master, int port, HandoverListener handover)
      throws Exception {
    ReplicationSubscriber sub =
        new ReplicationSubscriber(
            c.replication,
            epochs(s),
            s::observeEpoch,
            master,
            "https://localhost:" + port,
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            Duration.ofSeconds(5),
            Clock.systemUTC(),
            handover);
    sub.start(pki.replicationTls(c.id), Schedulers.boundedElastic());
    opened.add(sub);
    return sub;
  }

  @Test
  void aSwitchoverWithADemotionTokenLosesNothingAndNeverHasTwoSigners() throws Exception {
    Center a = center("center-a");
    Center b = center("center-b");
    CenterState sa = state(a, CenterRole.MASTER);
    CenterState sb = state(b, CenterRole.BACKUP);
    a.writeWorkload(pki, 3);
    ReplicationSource fromA = source(a, sa, "center-b");
    List<DemotionToken> received = new CopyOnWriteArrayList<>();
    ReplicationSubscriber atB =
        subscribe(
            b,
            sb,
            "center-a",
            fromA.port(),
            token -> {
              received.add(token);
              return sb.takeOver(token).then();
            });
    await("B caught up", () -> b.bookmark("center-a") == a.head(), WAIT);

    // Who may sign, sampled all along and in the order the roles changed.
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicInteger bothWritable = new AtomicInteger();
    AtomicInteger samples = new AtomicInteger();
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                boolean aSigns = sa.refusal() == null;
                boolean bSigns = sb.refusal() == null;
                if (aSigns && bSigns) {
                  bothWritable.incrementAndGet();
                }
                samples.incrementAndGet();
                java.util.concurrent.locks.LockSupport.parkNanos(
                    20_000); // sample, leave the cores to the burst
              }
            },
            "role-sampler");
    sampler.setDaemon(true);
    sampler.start();
    AtomicInteger order = new AtomicInteger();
    List<String> events = new CopyOnWriteArrayList<>();
    Disposable watchA =
        sa.changes().skip(1).subscribe(v -> events.add(order.incrementAndGet() + " a " + v.role()));
    Disposable watchB =
        sb.changes().skip(1).subscribe(v -> events.add(order.incrementAndGet() + " b " + v.role()));

    // A write burst at the master while the switchover happens: what it acknowledged must survive.
    List<String> acknowledged = new CopyOnWriteArrayList<>();
    List<Throwable> refused = new CopyOnWriteArrayList<>();
    CompletableFuture<List<Object>> burst =
        Flux.range(1000, 400)
            .flatMap(
                i ->
                    Mono.fromCallable(() -> pki.endEntity(i, pki.caKey.getPrivate()))
                        .flatMap(c -> a.repo.certificates().store(c))
                        .doOnNext(c -> acknowledged.add(c.serialHex()))
                        .cast(Object.class)
                        .onErrorResume(
                            e -> {
                              refused.add(e);
                              return Mono.empty();
                            }),
                4)
            .collectList()
            .toFuture();
    await("some writes acknowledged", () -> acknowledged.size() >= 20, WAIT);

    assertThatThrownBy(() -> sa.demote("center-b", "approval-1", "alice", "alice").block(WAIT))
        .isInstanceOf(FailoverException.class)
        .hasMessageContaining("two different operators");
    DemotionToken token = sa.demote("center-b", "approval-1", "alice", "bob").block(WAIT);
    burst.get(WAIT.toSeconds(), TimeUnit.SECONDS);

    // The old master: BACKUP, nothing appended after the token, every later write refused.
    assertThat(sa.role()).isEqualTo(CenterRole.BACKUP);
    assertThat(token.epoch()).isEqualTo(1);
    assertThat(a.head()).isEqualTo(token.lastSeq());
    assertThat(HexFormat.of().formatHex(a.replication.head().block(WAIT).hash()))
        .isEqualTo(HexFormat.of().formatHex(token.lastHash()));
    assertThat(refused).isNotEmpty().allMatch(e -> e instanceof StoreException.ReadOnly);
    assertThat(acknowledged.size() + refused.size()).isEqualTo(400);
    assertThat(sa.demote("center-b", "approval-1", "alice", "bob").block(WAIT))
        .as("idempotent for its approval")
        .isEqualTo(token);
    assertThat(a.column("SELECT handed_to || ' ' || ended_seq FROM epoch_history WHERE epoch = 1"))
        .containsExactly("center-b " + token.lastSeq());

    // The target applied exactly up to the token, checked its hash and promoted itself at epoch 2.
    await("B promoted", () -> sb.role() == CenterRole.MASTER, WAIT);
    assertThat(received).containsExactly(token);
    assertThat(sb.epoch()).isEqualTo(2);
    assertThat(atB.status().state()).isEqualTo(ReplicationStatus.State.HANDED_OVER);
    assertThat(b.bookmark("center-a")).isEqualTo(token.lastSeq());
    EpochRecord two = sb.history().filter(e -> e.epoch() == 2).blockFirst(WAIT);
    assertThat(two.kind()).isEqualTo("SWITCHOVER");
    assertThat(two.prevLastSeq()).isEqualTo(token.lastSeq());
    assertThat(two.prevChainHash()).isEqualTo(token.lastHash());
    assertThat(two.requestedBy()).isEqualTo("alice");
    assertThat(two.approvedBy()).isEqualTo("bob");
    for (String serial : acknowledged) {
      assertThat(b.repo.certificates().find(TestPki.CA, serial).block(WAIT))
          .as("acknowledged certificate %s at the new master", serial)
          .isNotNull();
    }
    assertThat(b.column("SELECT encode(hash, 'hex') FROM change_log ORDER BY seq"))
        .isEqualTo(a.column("SELECT encode(hash, 'hex') FROM change_log ORDER BY seq"));
    assertThat(sb.takeOver(token).block(WAIT).epoch()).as("idempotent for its token").isEqualTo(2);

    // One signer at every instant: A stopped before B started, and no sample saw both.
    sampling.set(false);
    sampler.join(WAIT.toMillis());
    watchA.dispose();
    watchB.dispose();
    assertThat(samples.get()).isPositive();
    assertThat(bothWritable.get()).isZero();
    assertThat(events)
        .extracting(e -> e.substring(e.indexOf(' ') + 1))
        .containsExactly("a FENCED", "a BACKUP", "b MASTER");

    // The old master follows the new one from the token: no rebuild, the chain continues.
    ReplicationSource fromB = source(b, sb, "center-a");
    subscribe(a, sa, "center-b", fromB.port(), HandoverListener.NONE);
    CertificateRecord afterSwitch =
        b.repo.certificates().store(pki.endEntity(5000, pki.caKey.getPrivate())).block(WAIT);
    await("A applied the new master's log", () -> a.bookmark("center-b") == b.head(), WAIT);
    assertThat(b.head()).isGreaterThan(token.lastSeq());
    assertThat(a.repo.certificates().find(TestPki.CA, afterSwitch.serialHex()).block(WAIT))
        .isNotNull();
    assertThat(a.column("SELECT epoch FROM change_log WHERE seq = " + b.head()))
        .containsExactly("2");
    await("A follows epoch 2", () -> sa.epoch() == 2, WAIT);
    assertThat(sa.role()).isEqualTo(CenterRole.BACKUP);
  }

  /**
   * The race the demotion closes: a writer that is already waiting for the change-log head when the
   * demotion commits must not append after the token (its role check runs after the head's lock).
   */
  @Test
  void aWriterWaitingForTheHeadWhileTheMasterDemotesIsRefused() throws Exception {
    Center a = center("center-a");
    CenterState sa = state(a, CenterRole.MASTER);
    a.writeWorkload(pki, 1);
    long before = a.head();
    try (java.sql.Connection d =
        java.sql.DriverManager.getConnection(a.db.jdbcUrl(), a.db.user(), a.db.password())) {
      // The demotion's locks, held by hand: center_state, then the change-log head.
      d.setAutoCommit(false);
      try (java.sql.Statement st = d.createStatement()) {
        st.execute("SELECT role FROM center_state WHERE id = 1 FOR UPDATE");
        st.execute("SELECT last_seq FROM change_log_head WHERE id = 1 FOR UPDATE");
      }
      CompletableFuture<CertificateRecord> writer =
          Mono.fromCallable(() -> pki.endEntity(77, pki.caKey.getPrivate()))
              .flatMap(c -> a.repo.certificates().store(c))
              .toFuture();
      await(
          "the writer waits for the head",
          () ->
              !a.column(
                      "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                          + " AND wait_event_type = 'Lock'")
                  .isEmpty(),
          WAIT);
      try (java.sql.Statement st = d.createStatement()) {
        st.execute("UPDATE center_state SET role = 'BACKUP' WHERE id = 1");
      }
      d.commit();
      assertThatThrownBy(() -> writer.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .hasCauseInstanceOf(StoreException.ReadOnly.class);
    }
    assertThat(a.head()).as("nothing appended after the demotion").isEqualTo(before);
    assertThat(sa.role()).as("the in-memory view plays no part here").isEqualTo(CenterRole.MASTER);
  }

  @Test
  void aTokenThatDoesNotMatchWhatTheTargetAppliedIsRefused() throws Exception {
    Center b = center("center-b");
    CenterState sb = state(b, CenterRole.BACKUP);
    DemotionToken elsewhere =
        new DemotionToken(
            1,
            7,
            new byte[32],
            "center-a",
            "center-b",
            "approval-x",
            "alice",
            "bob",
            java.time.Instant.now());
    assertThatThrownBy(() -> sb.takeOver(elsewhere).block(WAIT))
        .isInstanceOf(FailoverException.class)
        .hasMessageContaining("up to seq 0, the token ends at 7");
    assertThatThrownBy(
            () ->
                sb.takeOver(
                        new DemotionToken(
                            1,
                            0,
                            new byte[32],
                            "center-a",
                            "center-c",
                            "approval-x",
                            "alice",
                            "bob",
                            java.time.Instant.now()))
                    .block(WAIT))
        .hasMessageContaining("names center-c");
    assertThat(sb.role()).isEqualTo(CenterRole.BACKUP);
  }

  @Test
  void anOldMasterRejoiningAfterAFailoverHasItsUnreplicatedTailReported() throws Exception {
    Center a = center("center-a");
    Center b = center("center-b");
    CenterState sa = state(a, CenterRole.MASTER);
    CenterState sb = state(b, CenterRole.BACKUP);
    a.writeWorkload(pki, 3);
    ReplicationSource fromA = source(a, sa, "center-b");
    ReplicationSubscriber atB = subscribe(b, sb, "center-a", fromA.port(), HandoverListener.NONE);
    await("B caught up", () -> b.bookmark("center-a") == a.head(), WAIT);
    long replicated = a.head();
    atB.close();
    fromA.close();

    // Cut off, the master goes on: two issuances, a revocation and an accepted request that
    // never reach the backup.
    CertificateRecord lost1 =
        a.repo.certificates().store(pki.endEntity(700, pki.caKey.getPrivate())).block(WAIT);
    CertificateRecord lost2 =
        a.repo.certificates().store(pki.endEntity(701, pki.caKey.getPrivate())).block(WAIT);
    a.repo.certificates().revoke(TestPki.CA, "2", new Revocation(pki.now, 1, null)).block(WAIT);
    String request = "lost-" + System.nanoTime();
    a.reg
        .journal()
        .accept(
            JournalEntry.accepted(
                request,
                "lra-1",
                "op-1",
                "k-" + request,
                JournalEntry.Kind.ISSUE,
                TestPki.CA,
                "{\"subject\":\"CN=y\"}",
                new byte[32],
                null,
                pki.now),
            Center.audit("REQUEST_ACCEPTED", request))
        .block(WAIT);

    // The backup is promoted (failover); the old master sees the higher epoch and is fenced.
    EpochRecord two = sb.promote("FAILOVER", "carol", "dave", "center-a lost").block(WAIT);
    assertThat(two.prevLastSeq()).isEqualTo(replicated);
    sa.observeEpoch(two.epoch(), "peer status").block(WAIT);
    assertThat(sa.role()).isEqualTo(CenterRole.FENCED);

    QuarantineReport.ForkPoint fork =
        new QuarantineReport.ForkPoint(
            two.epoch(), two.centerId(), two.prevLastSeq(), two.prevChainHash());
    assertThatThrownBy(() -> QuarantineReport.collect(b.db, fork, Clock.systemUTC()).block(WAIT))
        .as("the new master has no tail to report")
        .isInstanceOf(FailoverException.class);
    QuarantineReport report = QuarantineReport.collect(a.db, fork, Clock.systemUTC()).block(WAIT);

    assertThat(report.forkMatches()).isTrue();
    assertThat(report.size()).isEqualTo((int) (a.head() - replicated));
    assertThat(report.section("certificates"))
        .extracting(QuarantineReport.Entry::key)
        .containsExactly(
            TestPki.CA + "/" + lost1.serialHex(), TestPki.CA + "/" + lost2.serialHex());
    assertThat(report.section("revocations"))
        .extracting(QuarantineReport.Entry::key)
        .containsExactly(TestPki.CA + "/2");
    assertThat(report.section("journal")).extracting(QuarantineReport.Entry::key).contains(request);
    assertThat(report.section("audit"))
        .extracting(QuarantineReport.Entry::payload)
        .anyMatch(p -> p.contains(request));
    assertThat(report.section("certificates").get(0).payload()).contains("\"der\"");
    String json = new String(report.json(), StandardCharsets.UTF_8);
    assertThat(json)
        .contains("\"newMaster\":\"center-b\"", "\"matches\":true", "\"key\":\"osca/2\"")
        .contains(lost1.serialHex(), lost2.serialHex(), request);
    // Nothing was discarded or merged: the old master still holds its tail, the new master lacks
    // it.
    assertThat(a.repo.certificates().find(TestPki.CA, lost1.serialHex()).block(WAIT)).isNotNull();
    assertThat(b.repo.certificates().find(TestPki.CA, lost1.serialHex()).block(WAIT)).isNull();
  }
}
