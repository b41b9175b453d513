package io.gpki.gateway;

import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.ocsp.OcspProperties;
import io.gpki.gateway.ocsp.OcspResponder;
import io.gpki.gateway.registration.JournalWorker;
import io.gpki.gateway.registration.Notices;
import io.gpki.gateway.registration.RequestParser;
import io.gpki.gateway.registration.ServiceCalendar;
import io.gpki.gateway.repository.Published;
import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.gateway.testing.CaTier;
import io.gpki.signer.CaSigners;
import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CrlScope;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.ManagedCaSigner;
import io.gpki.signer.SigningFence;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraRecord;
import io.gpki.sync.OperatorRecord;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.replication.PublicationGate;
import io.gpki.sync.replication.TestStream;
import io.gpki.sync.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * "Publish only what the backup holds" at a master whose change log streams to a real backup (two
 * PostgreSQL databases, mutual TLS on loopback, {@link TestStream}): a new CRL in the repository
 * snapshot, a revocation's DONE in the registration journal and the pre-signed OCSP answer that
 * reveals it appear only once the backup acknowledged the revocation, or, with the backup down,
 * after the timeout, and the center then reports DR-unprotected with the high-water mark until the
 * backup is back and acknowledges.
 */
class PublicationHoldIT {

  private static final Logger LOG = LoggerFactory.getLogger(PublicationHoldIT.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CA = "drca";

  @TempDir Path keys;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  @Test
  void withTheBackupUpTheCrlTheDoneAndTheRevokedOcspAnswerAppearOnlyAfterItsAcknowledgement()
      throws Exception {
    // A timeout far beyond the test: whatever appears here was released by an acknowledgement.
    Master m = master(Duration.ofSeconds(60));
    CertificateRecord ee = m.issue();
    CrlRecord before = m.crls.publish(CA, CrlScope.CRL).block(WAIT);
    await("the first list is served", () -> m.serves(before), WAIT);
    m.ocsp.refresh().block(WAIT);
    assertThat(m.ocspRevoked(ee)).as("pre-signed answer before the revocation").isFalse();

    // The backup goes down: nothing is acknowledged from here on.
    m.stream.stopBackup();
    String request = m.acceptRevocation(ee);
    Disposable worker = m.worker.start(Duration.ofMillis(100), Duration.ofMinutes(1));
    opened.add(worker::dispose);
    await("the revocation is stored", () -> m.revoked(ee), WAIT);
    CrlRecord withEntry = m.crls.publish(CA, CrlScope.CRL).block(WAIT);
    m.snapshots.refresh().block(WAIT);
    m.ocsp.refresh().block(WAIT);
    m.worker.wake();

    // Stored and archived at the master, but not exposed: no acknowledgement yet.
    assertThat(m.state(request)).isEqualTo(JournalEntry.State.ACCEPTED);
    assertThat(m.serves(before)).as("the previous list is still served").isTrue();
    assertThat(m.snapshots.exposed(withEntry)).as("the new list by its number").isFalse();
    assertThat(m.snapshots.withheld()).hasSize(1);
    assertThat(m.ocspAnswer(ee)).as("no revealing pre-signed answer").isNull();
    assertThat(m.stream.acknowledged()).isLessThan(m.stream.masterHead());

    // The backup comes back, catches up and acknowledges: everything appears.
    m.stream.startBackup();
    await(
        "the request is DONE",
        () -> m.state(request) == JournalEntry.State.DONE,
        Duration.ofSeconds(20));
    await("the new list is served", () -> m.serves(withEntry), Duration.ofSeconds(20));
    await(
        "the revoked pre-signed answer",
        () -> {
          m.ocsp.refresh().block(WAIT);
          return m.ocspRevoked(ee);
        },
        Duration.ofSeconds(20));
    long ackedNow = m.stream.acknowledged();
    assertThat(m.snapshots.exposed(withEntry)).isTrue();
    assertThat(m.gate.unprotectedCount()).as("nothing went out unprotected").isZero();
    PublicationHold.Protection p = m.hold.protection().block(WAIT);
    assertThat(p.enabled()).isTrue();
    assertThat(p.unprotected()).isFalse();
    assertThat(p.unprotectedHighWater()).isZero();
    assertThat(ackedNow).isGreaterThanOrEqualTo(m.seqOf(withEntry));
  }

  @Test
  void withTheBackupDownTheyAppearAfterTheTimeoutAndTheCenterIsDrUnprotectedUntilTheBackupIsBack()
      throws Exception {
    Master m = master(Duration.ofMillis(800));
    CertificateRecord ee = m.issue();
    CrlRecord before = m.crls.publish(CA, CrlScope.CRL).block(WAIT);
    await("the first list is served", () -> m.serves(before), WAIT);
    await("the backup holds everything", () -> !m.gate.unprotected(), WAIT);
    long unprotectedBefore = m.gate.unprotectedCount();

    m.stream.stopBackup();
    String request = m.acceptRevocation(ee);
    Disposable worker = m.worker.start(Duration.ofMillis(100), Duration.ofMinutes(1));
    opened.add(worker::dispose);
    await("the request is DONE", () -> m.state(request) == JournalEntry.State.DONE, WAIT);
    CrlRecord withEntry = m.crls.publish(CA, CrlScope.CRL).block(WAIT);
    long crlSeq = m.seqOf(withEntry);
    await("the new list is served after the timeout", () -> m.serves(withEntry), WAIT);
    await(
        "the revoked pre-signed answer after the timeout",
        () -> {
          m.ocsp.refresh().block(WAIT);
          return m.ocspRevoked(ee);
        },
        WAIT);

    PublicationHold.Protection p = m.hold.protection().block(WAIT);
    assertThat(p.enabled()).isTrue();
    assertThat(p.unprotected()).as("DR-unprotected").isTrue();
    assertThat(p.unprotectedHighWater()).isGreaterThanOrEqualTo(crlSeq);
    assertThat(p.acknowledgedSeq()).isLessThan(p.unprotectedHighWater());
    assertThat(p.unprotectedPublications()).isGreaterThan(unprotectedBefore);
    long highWater = p.unprotectedHighWater();

    // The backup is back: it catches up, acknowledges, and the state clears (the mark stays on
    // record).
    m.stream.startBackup();
    await(
        "DR protection restored",
        () -> !Objects.requireNonNull(m.hold.protection().block(WAIT)).unprotected(),
        WAIT);
    PublicationHold.Protection after = m.hold.protection().block(WAIT);
    assertThat(after.acknowledgedSeq()).isGreaterThanOrEqualTo(highWater);
    assertThat(after.unprotectedHighWater()).isEqualTo(highWater);
  }

  @Test
  void withoutReplicationNothingWaits() {
    PublicationHold none = PublicationHold.none();
    assertThat(none.active()).isFalse();
    assertThat(none.released(Long.MAX_VALUE)).isTrue();
    // Completes at once, without reading the change log.
    assertThat(none.awaitCommitted().thenReturn(true).block(Duration.ofMillis(100))).isTrue();
    PublicationHold.Protection p = none.protection().block(Duration.ofSeconds(1));
    assertThat(p.enabled()).isFalse();
    assertThat(p.unprotected()).isFalse();
  }

  /**
   * Benchmark, not a timed test ({@code -Dgpki.bench=true -Dit.test=PublicationHoldIT}): the time
   * from a revocation to the first snapshot serving a CRL that lists it, without the hold (a lone
   * center) and with it (the backup streaming and acknowledging on loopback, the master's stream
   * polling at the production default of 100 ms, {@code -Dgpki.bench.stream.poll.ms}). Each round:
   * revoke, issue the list, wait as the snapshot's refresh loop does (for the hold's release of the
   * head read after the archive, at once without the hold), refresh. Results: the log lines
   * starting {@code BENCH}.
   */
  @Test
  @EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
  void benchmarkRevocationToServedCrlWithAndWithoutTheHold() throws Exception {
    Master m =
        master(
            Duration.ofSeconds(2),
            Duration.ofMillis(Long.getLong("gpki.bench.stream.poll.ms", 100)));
    RepositorySnapshots off =
        new RepositorySnapshots(
            m.store.content(),
            m.store.changeLog(),
            m.store.referrals(),
            m.urls,
            new RepositoryInterfaces(m.urls, "localhost", () -> 1389),
            100,
            Clock.systemUTC(),
            m.store.certificateLookupOverlap(),
            PublicationHold.none());
    int rounds = Integer.getInteger("gpki.bench.rounds", 40);
    List<CertificateRecord> certs = new ArrayList<>();
    for (int i = 0; i < 2 * rounds + 4; i++) {
      certs.add(m.issue());
    }
    // Warm-up (JIT, connections), then the measured rounds, alternating off and on.
    long[] offNanos = new long[rounds];
    long[] onNanos = new long[rounds];
    await(
        "the backup caught up",
        () -> m.stream.acknowledged() >= m.stream.masterHead(),
        Duration.ofSeconds(60));
    long unprotectedBefore = m.gate.unprotectedCount();
    for (int i = 0; i < 4; i++) {
      revokeToServed(
          m,
          i % 2 == 0 ? off : m.snapshots,
          i % 2 == 0 ? PublicationHold.none() : m.hold,
          certs.get(i));
    }
    for (int i = 0; i < rounds; i++) {
      offNanos[i] = revokeToServed(m, off, PublicationHold.none(), certs.get(4 + 2 * i));
      onNanos[i] = revokeToServed(m, m.snapshots, m.hold, certs.get(5 + 2 * i));
    }
    LOG.info("BENCH publication hold off: {}", summary(offNanos));
    LOG.info("BENCH publication hold on:  {}", summary(onNanos));
    LOG.info(
        "BENCH unprotected publications during the rounds: {}",
        m.gate.unprotectedCount() - unprotectedBefore);
  }

  /**
   * Revokes, issues the list, waits for the hold's release, and refreshes the snapshot until it
   * serves that list.
   */
  private static long revokeToServed(
      Master m, RepositorySnapshots snapshots, PublicationHold hold, CertificateRecord c) {
    long t0 = System.nanoTime();
    m.engine
        .revoke(CA, c.serialHex(), new Revocation(Instant.now().minusSeconds(1), 1, null))
        .block(WAIT);
    CrlRecord l = m.crls.publish(CA, CrlScope.CRL).block(WAIT);
    hold.awaitCommitted().block(WAIT);
    long deadline = t0 + WAIT.toNanos();
    while (!served(snapshots, l)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("list " + l.number() + " not served");
      }
      snapshots.refresh().block(WAIT);
    }
    return System.nanoTime() - t0;
  }

  private static String summary(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return String.format(
        "n=%d p50=%.1f ms p90=%.1f ms max=%.1f ms",
        s.length, s[s.length / 2] / 1e6, s[(int) (s.length * 0.9)] / 1e6, s[s.length - 1] / 1e6);
  }

  private static boolean served(RepositorySnapshots snapshots, CrlRecord l) {
    Published p = snapshots.current().get(RepositoryUrls.listPath(CA, CrlScope.CRL));
    return p != null && Arrays.equals(p.body(), l.der());
  }

  private Master master(Duration timeout) throws Exception {
    return master(timeout, Duration.ofMillis(20));
  }

  private Master master(Duration timeout, Duration streamPoll) throws Exception {
    DatabaseCoordinates masterDb = TestDatabase.freshDatabase();
    DatabaseCoordinates backupDb = TestDatabase.freshDatabase();
    RepositoryStore.migrate(masterDb);
    RepositoryStore.migrate(backupDb);
    Master m = new Master(masterDb, backupDb, timeout, streamPoll, keys);
    opened.add(m);
    return m;
  }

  /** The master center's writers and exposure points, its change log streaming to a backup. */
  private static final class Master implements AutoCloseable {

    final TestStream stream;
    final RepositoryStore store;
    final RegistrationStores reg;
    final ManagedCaSigner signer;
    final RepositoryUrls urls =
        new RepositoryUrls("http://localhost:18081", "ldap://localhost:11390");
    final RepositoryChanges changes = new RepositoryChanges();
    final CaEngine engine;
    final CrlPublisher crls;
    final PublicationGate gate;
    final PublicationHold hold;
    final RepositorySnapshots snapshots;
    final JournalWorker worker;
    final OcspResponder ocsp;
    final List<Disposable> running = new ArrayList<>();

    Master(
        DatabaseCoordinates masterDb,
        DatabaseCoordinates backupDb,
        Duration timeout,
        Duration streamPoll,
        Path keys)
        throws Exception {
      Clock clock = Clock.systemUTC();
      stream = TestStream.start(masterDb, backupDb, streamPoll);
      store = RepositoryStore.open(masterDb, 4, clock);
      reg = RegistrationStores.open(masterDb, 4, clock);
      Path pass = keys.resolve("soft.pass");
      Files.writeString(pass, "hold-test\n");
      signer =
          CaSigners.create(
              List.of(
                  new KeySourceSpec.Pkcs12(
                      "soft",
                      keys.resolve("soft.p12"),
                      pass,
                      null,
                      KeySourceSpec.Resilience.defaults())),
              SigningFence.NONE);
      engine = CaTier.engine(signer, store, urls, clock, changes);
      crls = CaTier.publisher(engine, signer, store, urls, clock, changes, () -> 1L);
      gate = stream.gate(timeout);
      hold = PublicationHold.on(gate, () -> true, () -> store.changeLog().head());
      running.add(hold.start());
      snapshots =
          new RepositorySnapshots(
              store.content(),
              store.changeLog(),
              store.referrals(),
              urls,
              new RepositoryInterfaces(urls, "localhost", () -> 1389),
              100,
              clock,
              store.certificateLookupOverlap(),
              hold);
      running.add(snapshots.start(changes.changes(), Duration.ofMillis(200)));
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      worker =
          new JournalWorker(
              reg.journal(),
              engine,
              store.certificates(),
              reg.audit(),
              new RequestParser(Duration.ofDays(365), Duration.ofDays(825)),
              changes,
              clock,
              10,
              meters,
              ServiceCalendar.alwaysOpen(),
              new Notices(reg.notifications(), clock, false, meters),
              () -> {},
              hold);
      ocsp =
          OcspResponder.create(
              OcspProperties.defaults(),
              signer,
              new OcspResponder.StorePorts(
                  store.certificates(), store.cas(), store.certificateStatus(), store.changeLog()),
              (caId, subject, publicKey, notBefore, notAfter) ->
                  engine.issue(
                      caId,
                      new CaEngine.EndEntity(
                          subject,
                          publicKey,
                          CertificateProfile.OCSP_SIGNING,
                          notBefore,
                          notAfter,
                          List.of(),
                          null)),
              ca -> "soft",
              clock,
              meters,
              hold);
      engine
          .createCa(
              new CaEngine.NewCa(
                  CA,
                  "DR CA",
                  "GOVERNMENT",
                  new X500Name("C=JP,O=Test,CN=DR CA"),
                  null,
                  KeySpec.EC_P256,
                  Duration.ofDays(365)))
          .block(WAIT);
      Instant now = Instant.now();
      reg.lras()
          .registerLra(
              new LraRecord(
                  "lra-1",
                  "Ministry LRA",
                  CA,
                  "O=Test",
                  List.of("OFFICIAL_SIGNING"),
                  List.of(),
                  List.of(),
                  now),
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
                  CA,
                  "99",
                  true,
                  now),
              audit("OPERATOR_REGISTERED", "op-1"))
          .block(WAIT);
    }

    CertificateRecord issue() throws Exception {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      Instant now = Instant.now();
      return engine
          .issue(
              CA,
              new CaEngine.EndEntity(
                  new X500Name("C=JP,O=Test,CN=Subscriber " + UUID.randomUUID()),
                  SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded()),
                  CertificateProfile.OFFICIAL_SIGNING,
                  now.minusSeconds(60),
                  now.plus(Duration.ofDays(30)),
                  List.of(),
                  null))
          .block(WAIT);
    }

    /** Accepts an LRA's revocation of {@code ee} into the journal; returns the request id. */
    String acceptRevocation(CertificateRecord ee) {
      String id = "req-" + UUID.randomUUID();
      String key = "key-" + UUID.randomUUID();
      String json =
          "{\"type\":\"revoke\",\"idempotencyKey\":\""
              + key
              + "\",\"ca\":\""
              + CA
              + "\",\"signedAt\":\""
              + Instant.now()
              + "\",\"serial\":\""
              + ee.serialHex()
              + "\",\"reason\":1}";
      reg.journal()
          .accept(
              JournalEntry.accepted(
                  id,
                  "lra-1",
                  "op-1",
                  key,
                  JournalEntry.Kind.REVOKE,
                  CA,
                  json,
                  sha256(json),
                  null,
                  Instant.now()),
              audit("REQUEST_ACCEPTED", id))
          .block(WAIT);
      return id;
    }

    JournalEntry.State state(String request) {
      return Objects.requireNonNull(reg.journal().find(request).block(WAIT)).state();
    }

    boolean revoked(CertificateRecord ee) {
      CertificateRecord c = store.certificates().find(CA, ee.serialHex()).block(WAIT);
      return c != null && c.revoked();
    }

    boolean serves(CrlRecord l) {
      return served(snapshots, l);
    }

    /** The change-log seq of a list's archive entry. */
    long seqOf(CrlRecord l) {
      String key = l.caId() + "/" + l.scope() + "/" + l.number();
      return store
          .changeLog()
          .after(0, 100_000)
          .filter(e -> e.entity().equals("CRL") && e.entityKey().equals(key))
          .blockLast(WAIT)
          .seq();
    }

    /** The pre-signed answer (SHA-1 CertID, no nonce) for {@code ee}, or null. */
    byte[] ocspAnswer(CertificateRecord ee) throws Exception {
      CaRecord ca = Objects.requireNonNull(store.cas().ca(CA).block(WAIT));
      CaKeyRecord key =
          Objects.requireNonNull(
              store
                  .cas()
                  .keys(CA)
                  .filter(k -> k.generation() == ca.currentGeneration())
                  .blockFirst(WAIT));
      return ocsp.ownOcsp()
          .presigned(
              ca.subjectDer(),
              SubjectPublicKeyInfo.getInstance(key.publicKey()).getPublicKeyData().getBytes(),
              new BigInteger(ee.serialHex(), 16));
    }

    boolean ocspRevoked(CertificateRecord ee) {
      try {
        byte[] der = ocspAnswer(ee);
        if (der == null) {
          return false;
        }
        BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(der).getResponseObject();
        return basic.getResponses()[0].getCertStatus() instanceof RevokedStatus;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    private static AuditEvent audit(String type, String object) {
      return new AuditEvent(type, "test", "tester", object, "OK", "publication hold test");
    }

    private static byte[] sha256(String s) {
      try {
        return java.security.MessageDigest.getInstance("SHA-256")
            .digest(s.getBytes(StandardCharsets.UTF_8));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() throws Exception {
      running.forEach(Disposable::dispose);
      ocsp.close();
      stream.close();
      signer.close();
      reg.close();
      store.close();
    }
  }
}
