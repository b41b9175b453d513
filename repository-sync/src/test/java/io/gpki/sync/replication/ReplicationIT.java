package io.gpki.sync.replication;

import static io.gpki.sync.replication.Center.WAIT;
import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.ChangeRecord;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.ReplicaRejected.Reason;
import io.gpki.sync.StoreException;
import io.gpki.sync.store.R2dbcReplication;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Two centers in one JVM (two PostgreSQL databases), the stream over real mutual TLS on loopback:
 * the chain, the verified apply, cuts, tampering, stale epochs, the publication gate.
 */
class ReplicationIT {

  private static TestPki pki;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final List<Long> observedEpochs = new CopyOnWriteArrayList<>();

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

  private ReplicationSource source(Center master) throws Exception {
    ReplicationSource s =
        new ReplicationSource(
            master.replication,
            EpochSource.centerState(master.replication),
            e -> {
              observedEpochs.add(e);
              return reactor.core.publisher.Mono.empty();
            },
            Set.of("center-b"),
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            Clock.systemUTC(),
            master.acks);
    s.start("127.0.0.1", 0, pki.replicationTls("center-a"), Schedulers.boundedElastic())
        .block(WAIT);
    opened.add(s);
    return s;
  }

  private ReplicationSubscriber subscribe(Center backup, int port) throws Exception {
    ReplicationSubscriber s =
        new ReplicationSubscriber(
            backup.replication,
            EpochSource.centerState(backup.replication),
            e -> reactor.core.publisher.Mono.empty(),
            "center-a",
            "https://localhost:" + port,
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            Duration.ofSeconds(5),
            Clock.systemUTC());
    s.start(pki.replicationTls("center-b"), Schedulers.boundedElastic());
    opened.add(s);
    return s;
  }

  @Test
  void everyEntryIsChainedFromSeqOneAndTheHeadKeepsTheLastHash() throws Exception {
    Center master = center("center-a");
    master.writeWorkload(pki, 3);
    List<ChangeRecord> log = master.replication.after(0, 1000).collectList().block(WAIT);
    byte[] prev = ChangeLogChain.genesis();
    for (ChangeRecord r : log) {
      assertThat(r.prevHash()).as("prev_hash of %d", r.seq()).isEqualTo(prev);
      assertThat(ChangeLogChain.intact(r)).as("hash of %d", r.seq()).isTrue();
      assertThat(r.schemaVersion()).isEqualTo(ChangeLogChain.SCHEMA_V2);
      assertThat(r.payload()).contains("\"row\"");
      prev = r.hash();
    }
    assertThat(log)
        .extracting(ChangeRecord::seq)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.rangeClosed(1, log.size()).boxed().toList());
    assertThat(log)
        .extracting(ChangeRecord::entity)
        .contains(
            "CA",
            "CA_KEY",
            "CERTIFICATE",
            "REVOCATION",
            "CRL",
            "LRA",
            "OPERATOR",
            "JOURNAL",
            "AUDIT");
    assertThat(master.replication.head().block(WAIT).hash()).isEqualTo(prev);
    // The audit chain and the journal row are in the same transaction as their log entries:
    assertThat(log)
        .filteredOn(r -> r.entity().equals("AUDIT"))
        .hasSize(Integer.parseInt(master.column("SELECT count(*) FROM audit_log").get(0)));
    assertThat(log.stream().map(ChangeRecord::payload)).noneMatch(p -> p.contains("PRIVATE KEY"));
  }

  @Test
  void theBackupHoldsWhatTheMasterWroteVerifiedAndAcknowledged() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    backup.sql(
        "INSERT INTO center_state (id, center_id, role, epoch, updated_at) VALUES (1, 'center-b', 'BACKUP', 1,"
            + " now())");
    String request = master.writeWorkload(pki, 5);
    ReplicationSource source = source(master);
    ReplicationSubscriber sub = subscribe(backup, source.port());

    long head = master.head();
    await(
        "backup applied the master's head " + head,
        () -> backup.bookmark("center-a") == head,
        WAIT);

    // The accepted, unprocessed registration request survives the master.
    JournalEntry held = backup.reg.journal().find(request).block(WAIT);
    assertThat(held).isNotNull();
    assertThat(held.state()).isEqualTo(JournalEntry.State.ACCEPTED);
    assertThat(backup.repo.certificates().find(TestPki.CA, "1").block(WAIT).revoked()).isTrue();
    assertThat(backup.repo.crls().latest(TestPki.CA, "CRL").block(WAIT).number()).isEqualTo(1);
    assertThat(backup.reg.lras().operator("op-1").block(WAIT)).isNotNull();
    // Same log, same hashes; same tables; the master's audit chain held apart from the backup's
    // own.
    assertThat(backup.column("SELECT encode(hash, 'hex') FROM change_log ORDER BY seq"))
        .isEqualTo(master.column("SELECT encode(hash, 'hex') FROM change_log ORDER BY seq"));
    assertThat(Digests.divergent(backup.digests(), master.digests())).isEmpty();
    assertThat(backup.column("SELECT encode(hash, 'hex') FROM replica_audit_log ORDER BY seq"))
        .isEqualTo(master.column("SELECT encode(hash, 'hex') FROM audit_log ORDER BY seq"));
    // New certificates after promotion would not collide with replicated ids.
    assertThat(backup.column("SELECT last_value FROM certificate_id_seq"))
        .isEqualTo(master.column("SELECT max(id) FROM certificate"));

    // Acknowledged back: the master's publication gate is satisfied for its head.
    await(
        "master recorded the ack",
        () -> master.replication.maxAcknowledged().block(WAIT) >= head,
        WAIT);
    PublicationGate gate =
        new PublicationGate(master.replication, master.acks, Duration.ofSeconds(2));
    StepVerifier.create(gate.awaitAcknowledged(head))
        .expectNext(PublicationGate.Protection.PROTECTED)
        .expectComplete()
        .verify(WAIT);
    assertThat(sub.status().state()).isEqualTo(ReplicationStatus.State.STREAMING);
    assertThat(sub.status().lagSeq()).isZero();

    // Idempotent: applying a held record again changes nothing.
    ChangeRecord third = master.replication.after(2, 1).blockFirst(WAIT);
    StepVerifier.create(backup.replication.apply("center-a", third))
        .expectNext(R2dbcReplication.Applied.ALREADY_HELD)
        .expectComplete()
        .verify(WAIT);
    assertThat(backup.bookmark("center-a")).isEqualTo(head);

    // Anti-entropy over the replication TLS: identical now; a row changed behind replication's back
    // at the backup is named by its table.
    StepVerifier.create(sub.compareWithMaster())
        .assertNext(
            c -> assertThat(c.comparable() && c.divergent().isEmpty()).as(c.toString()).isTrue())
        .expectComplete()
        .verify(WAIT);
    backup.sql("UPDATE lra SET display_name = 'edited at the backup' WHERE id = 'lra-1'");
    StepVerifier.create(sub.compareWithMaster())
        .assertNext(c -> assertThat(c.divergent()).containsExactly("lra"))
        .expectComplete()
        .verify(WAIT);
    backup.sql("UPDATE lra SET display_name = 'Ministry LRA' WHERE id = 'lra-1'");

    // Later writes stream too (the subscriber follows the live log).
    master.repo.certificates().store(pki.endEntity(77, pki.caKey.getPrivate())).block(WAIT);
    await(
        "the later certificate reached the backup",
        () -> backup.repo.certificates().find(TestPki.CA, "4d").block(WAIT) != null,
        WAIT);
  }

  @Test
  void aSealedPkcs12AwaitingPickupReplicatesAndIsErasedAtBothCentersOnPickup() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    master.writeWorkload(pki, 1);
    byte[] sealed = new byte[700];
    new java.security.SecureRandom().nextBytes(sealed);
    String id = "req-key-" + System.nanoTime();
    master
        .reg
        .serverKeys()
        .accept(
            JournalEntry.accepted(
                id,
                "lra-1",
                "op-1",
                "k-" + id,
                JournalEntry.Kind.ISSUE,
                TestPki.CA,
                "{}",
                new byte[32],
                null,
                pki.now),
            new io.gpki.sync.GeneratedKey(
                id, "EC-P256", new byte[] {1, 2}, new byte[32], pki.now, null, null, true),
            sealed,
            Center.audit("REQUEST_ACCEPTED", id))
        .block(WAIT);
    String hex = java.util.HexFormat.of().formatHex(sealed);
    assertThat(
            master.column(
                "SELECT count(*) FROM change_log WHERE payload::text LIKE '%"
                    + hex.substring(0, 40)
                    + "%'"))
        .as("the log's payload keeps no PKCS#12")
        .containsExactly("0");
    ReplicationSource source = source(master);
    subscribe(backup, source.port());

    await(
        "the backup holds the request and its sealed PKCS#12",
        () -> backup.bookmark("center-a") == master.head(),
        WAIT);
    assertThat(
            backup.column(
                "SELECT encode(pkcs12, 'hex') FROM registration_server_key WHERE request_id = '"
                    + id
                    + "'"))
        .containsExactly(hex);
    assertThat(backup.reg.journal().find(id).block(WAIT).state())
        .isEqualTo(JournalEntry.State.ACCEPTED);

    assertThat(
            master
                .reg
                .serverKeys()
                .deliver(id, "op-1", Center.audit("KEY_DELIVERED", id))
                .block(WAIT))
        .isEqualTo(sealed);
    await(
        "the pickup reached the backup", () -> backup.bookmark("center-a") == master.head(), WAIT);
    for (Center c : List.of(master, backup)) {
      assertThat(c.column("SELECT count(*) FROM registration_server_key WHERE pkcs12 IS NOT NULL"))
          .containsExactly("0");
      assertThat(c.column("SELECT count(*) FROM change_log_secret")).as(c.id).containsExactly("0");
    }
  }

  @Test
  void anIdleStreamIsKeptOpenByFlushedHeartbeats() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    ReplicationSource source = source(master);
    ReplicationSubscriber sub = subscribe(backup, source.port());
    // An empty log: the response and its heartbeats must reach the backup without any record.
    await(
        "the backup streams from an idle master",
        () -> sub.status().state() == ReplicationStatus.State.STREAMING,
        WAIT);
    master.writeWorkload(pki, 1);
    long head = master.head();
    await(
        "the first records arrive on the same stream",
        () -> backup.bookmark("center-a") == head,
        WAIT);
    assertThat(sub.status().reconnects()).isZero();
    assertThat(sub.status().lagSeq()).isZero();
  }

  @Test
  void cutsAndRefusalsLoseNothingAndDoubleNothing() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    master.writeWorkload(pki, 2);
    ReplicationSource source = source(master);
    TcpProxy proxy = new TcpProxy(source.port());
    opened.add(proxy);
    ReplicationSubscriber sub = subscribe(backup, proxy.port());

    long target = master.head() + 120;
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 120; i++) {
                  master
                      .repo
                      .certificates()
                      .store(pki.endEntity(1000 + i, pki.caKey.getPrivate()))
                      .block(WAIT);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "burst-writer");
    writer.start();
    await("backup past 40", () -> backup.bookmark("center-a") >= 40, WAIT);
    long before = sub.status().reconnects();
    proxy.cut();
    // The subscriber may still drain frames it holds; it reconnects once it reads the reset.
    await(
        "the subscriber reconnected after the cut",
        () -> sub.status().reconnects() > before,
        WAIT.multipliedBy(2));
    proxy.refuse(true);
    proxy.cut();
    await(
        "reconnects refused while the proxy refuses",
        () -> sub.status().reconnects() >= before + 3,
        WAIT.multipliedBy(2));
    proxy.refuse(false);
    writer.join(WAIT.multipliedBy(2).toMillis());
    await(
        "backup caught up to " + target,
        () -> backup.bookmark("center-a") == target,
        WAIT.multipliedBy(2));

    assertThat(backup.column("SELECT count(*) || '/' || max(seq) FROM change_log"))
        .containsExactly(target + "/" + target);
    assertThat(backup.column("SELECT count(*) FROM certificate")).containsExactly("122");
    assertThat(Digests.divergent(backup.digests(), master.digests())).isEmpty();
  }

  /** How a record on the master's stream is spoiled, and the reason the backup must give. */
  enum Tamper {
    GAP(Reason.GAP),
    PAYLOAD_CHANGED(Reason.BAD_HASH),
    CHAIN_BROKEN(Reason.BROKEN_CHAIN),
    FORGED_CERTIFICATE(Reason.BAD_SIGNATURE);

    final Reason expected;

    Tamper(Reason expected) {
      this.expected = expected;
    }
  }

  @ParameterizedTest(name = "stops at the record/{0}")
  @EnumSource(Tamper.class)
  void aRecordThatFailsACheckStopsTheStreamAndNothingAfterItIsApplied(Tamper tamper)
      throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    master.writeWorkload(pki, 2);
    long bad = master.head() + 1;
    if (tamper == Tamper.FORGED_CERTIFICATE) {
      master
          .repo
          .certificates()
          .store(pki.endEntity(500, TestPki.ecKey().getPrivate()))
          .block(WAIT);
    } else {
      master.repo.certificates().store(pki.endEntity(500, pki.caKey.getPrivate())).block(WAIT);
    }
    for (int i = 0; i < 3; i++) {
      master.repo.certificates().store(pki.endEntity(600 + i, pki.caKey.getPrivate())).block(WAIT);
    }
    switch (tamper) {
      case GAP -> master.sql("DELETE FROM change_log WHERE seq = " + bad);
      case PAYLOAD_CHANGED ->
          master.sql(
              "UPDATE change_log SET payload = jsonb_set(payload, '{row,label}',"
                  + " '\"altered\"') WHERE seq = "
                  + bad);
      case CHAIN_BROKEN ->
          master.sql(
              "UPDATE change_log SET prev_hash = sha256('forged'::bytea) WHERE seq = " + bad);
      case FORGED_CERTIFICATE -> {}
    }
    ReplicationSource source = source(master);
    ReplicationSubscriber sub = subscribe(backup, source.port());

    await(
        "the subscriber stopped",
        () -> sub.status().state() == ReplicationStatus.State.STOPPED,
        WAIT);
    assertThat(sub.status().stoppedBy()).isEqualTo(tamper.expected);
    assertThat(sub.status().lastError())
        .contains("record " + (tamper == Tamper.GAP ? bad + 1 : bad));
    assertThat(backup.bookmark("center-a")).isEqualTo(bad - 1);
    assertThat(backup.column("SELECT COALESCE(max(seq), 0) FROM change_log"))
        .containsExactly(Long.toString(bad - 1));
    assertThat(backup.column("SELECT count(*) FROM certificate")).containsExactly("2");
  }

  @Test
  void aMasterBelowTheBackupsEpochIsRefusedAndToldOfTheHigherEpoch() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    master.writeWorkload(pki, 1);
    backup.sql(
        "INSERT INTO center_state (id, center_id, role, epoch, updated_at) VALUES (1, 'center-b', 'BACKUP', 2,"
            + " now())");
    ReplicationSource source = source(master);
    ReplicationSubscriber sub = subscribe(backup, source.port());

    await(
        "the subscriber stopped",
        () -> sub.status().state() == ReplicationStatus.State.STOPPED,
        WAIT);
    assertThat(sub.status().stoppedBy()).isEqualTo(Reason.STALE_EPOCH);
    assertThat(observedEpochs).contains(2L);
    assertThat(backup.bookmark("center-a")).isZero();
  }

  @Test
  void aRecordFromAnEpochBelowOneAppliedIsRefused() throws Exception {
    Center master = center("center-a");
    Center backup = center("center-b");
    master.writeWorkload(pki, 1);
    master.sql(
        "INSERT INTO center_state (id, center_id, role, epoch, updated_at) VALUES (1, 'center-a', 'MASTER', 2,"
            + " now())");
    master.repo.certificates().store(pki.endEntity(300, pki.caKey.getPrivate())).block(WAIT);
    long epochTwo = master.head();
    // A zombie writer still at epoch 1 appends behind the epoch-2 record.
    master.sql("UPDATE center_state SET epoch = 1");
    master.repo.certificates().store(pki.endEntity(301, pki.caKey.getPrivate())).block(WAIT);
    master.sql("UPDATE center_state SET epoch = 2");
    ReplicationSource source = source(master);
    ReplicationSubscriber sub = subscribe(backup, source.port());

    await(
        "the subscriber stopped",
        () -> sub.status().state() == ReplicationStatus.State.STOPPED,
        WAIT);
    assertThat(sub.status().stoppedBy()).isEqualTo(Reason.STALE_EPOCH);
    assertThat(backup.bookmark("center-a")).isEqualTo(epochTwo);
  }

  @Test
  void aBackupRefusesWritesButKeepsItsOwnAuditChain() {
    Center backup = center("center-b");
    backup.sql(
        "INSERT INTO center_state (id, center_id, role, epoch, updated_at) VALUES (1, 'center-b', 'BACKUP', 1,"
            + " now())");
    assertThatThrownBy(
            () -> backup.repo.cas().createCa(pki.caRecord(), pki.caKeyRecord()).block(WAIT))
        .isInstanceOf(StoreException.ReadOnly.class)
        .hasMessageContaining("master");
    assertThat(backup.column("SELECT count(*) FROM ca")).containsExactly("0");
    backup.reg.audit().append(Center.audit("LOGIN", "op-9")).block(WAIT);
    assertThat(backup.column("SELECT count(*) FROM audit_log")).containsExactly("1");
    assertThat(backup.head()).isZero();
  }

  @Test
  void aBackupKeepsItsOwnFailoverApprovalLocalAndRefusesOtherApprovals() {
    Center backup = center("center-b");
    backup.sql(
        "INSERT INTO center_state (id, center_id, role, epoch, updated_at) VALUES (1, 'center-b', 'BACKUP', 1,"
            + " now())");
    // The operators as replicated from the master (CA-side: no LRA).
    for (String op : List.of("dr-1", "dr-2")) {
      backup.sql(
          "INSERT INTO operator (id, lra_id, display_name, roles, cert_sha256, cert_issuer_ca_id,"
              + " cert_serial_hex, enabled, created_at) VALUES ('"
              + op
              + "', NULL, '"
              + op
              + "', ARRAY['SENIOR_CA_OPERATOR'], sha256('"
              + op
              + "'::bytea), 'osca', '1', true, now())");
    }
    java.time.Instant now = java.time.Instant.now();
    io.gpki.sync.OperatorApproval failover =
        io.gpki.sync.OperatorApproval.requested(
            "fo-1", "FAILOVER", "center-b/epoch-2", "{}", "dr-1", now, now.plusSeconds(600), "k-1");
    // Requested and approved at the backup: stored, audited, and not in the log (the backup's log
    // is the master's).
    backup
        .reg
        .approvals()
        .request(failover, new byte[] {1}, Center.audit("APPROVAL", "fo-1"))
        .block(WAIT);
    io.gpki.sync.OperatorApproval approved =
        backup
            .reg
            .approvals()
            .approveForExecution("fo-1", "dr-2", new byte[] {2}, Center.audit("APPROVAL", "fo-1"))
            .block(WAIT);
    assertThat(approved.state()).isEqualTo("APPROVED");
    assertThat(backup.reg.approvals().toExecute(4).collectList().block(WAIT))
        .extracting(io.gpki.sync.OperatorApproval::id)
        .containsExactly("fo-1");
    assertThat(backup.head()).isZero();
    assertThat(backup.column("SELECT count(*) FROM audit_log")).containsExactly("2");
    // Any other action still has to be written at the master.
    assertThatThrownBy(
            () ->
                backup
                    .reg
                    .approvals()
                    .request(
                        io.gpki.sync.OperatorApproval.requested(
                            "kg-1",
                            "CA_KEY_GENERATE",
                            "osca/new-key",
                            "{}",
                            "dr-1",
                            now,
                            now.plusSeconds(600),
                            "k-2"),
                        new byte[] {1},
                        Center.audit("APPROVAL", "kg-1"))
                    .block(WAIT))
        .isInstanceOf(StoreException.ReadOnly.class);
    assertThat(backup.column("SELECT id FROM operator_approval")).containsExactly("fo-1");
    // Once promoted, the execution's write logs the whole row for the next backup.
    backup.sql("UPDATE center_state SET role = 'MASTER', epoch = 2");
    backup
        .reg
        .approvals()
        .executed("fo-1", true, "promoted", Center.audit("APPROVAL", "fo-1"))
        .block(WAIT);
    assertThat(backup.column("SELECT entity_key FROM change_log WHERE entity = 'APPROVAL'"))
        .containsExactly("fo-1");
  }

  @Test
  void withoutAnAcknowledgementPublicationIsUnprotectedAfterTheTimeout() throws Exception {
    Center master = center("center-a");
    master.writeWorkload(pki, 1);
    PublicationGate gate =
        new PublicationGate(master.replication, master.acks, Duration.ofSeconds(2));
    StepVerifier.create(gate.awaitAcknowledged(master.head(), Duration.ofMillis(300)))
        .expectNext(PublicationGate.Protection.UNPROTECTED)
        .expectComplete()
        .verify(WAIT);
    assertThat(gate.unprotected()).isTrue();
    assertThat(gate.unprotectedHighWater()).isEqualTo(master.head());
    assertThat(Arrays.asList(gate.unprotectedCount())).containsExactly(1L);
  }
}
