package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.gateway.operations.DrPromotion;
import io.gpki.gateway.operations.WriterGate;
import io.gpki.gateway.testing.CaTier;
import io.gpki.signer.CaSigners;
import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CrlScope;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.ManagedCaSigner;
import io.gpki.signer.SignerException;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlNumbers;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterSettings;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * A failover on one database standing for the backup's replicated copy: the master (epoch 1)
 * issues, revokes and publishes; then the same data comes up as a BACKUP, whose signer refuses
 * certificates and lists and whose writers stay stopped; the promotion persists epoch 2 with its
 * fork point, republishes every CRL and ARL above the replicated numbers without dropping an
 * unexpired entry, refreshes OCSP, and only then opens the writers.
 */
class FailoverPromotionIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path keys;

  @Test
  void aBackupSignsNothingUntilPromotedAndThenRepublishesEveryListAboveTheReplicatedOnes()
      throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    Clock clock = Clock.systemUTC();
    AtomicReference<CenterState> center =
        new AtomicReference<>(
            CenterState.start(db, new CenterSettings("tokyo", CenterRole.MASTER, true), clock));
    Path pass = keys.resolve("soft.pass");
    Files.writeString(pass, "failover-test\n");
    // The guard as the gateway wires it: the signer asks this node's center before every signature.
    try (RepositoryStore store = RepositoryStore.open(db, 4, clock);
        ManagedCaSigner signer =
            CaSigners.create(
                List.of(
                    new KeySourceSpec.Pkcs12(
                        "soft",
                        keys.resolve("soft.p12"),
                        pass,
                        null,
                        KeySourceSpec.Resilience.defaults())),
                keyId -> center.get().refusal())) {
      RepositoryUrls urls = new RepositoryUrls("http://localhost:18081", "ldap://localhost:11390");
      RepositoryChanges changes = new RepositoryChanges();
      CaEngine engine = CaTier.engine(signer, store, urls, clock, changes);
      CrlPublisher crls =
          CaTier.publisher(engine, signer, store, urls, clock, changes, () -> center.get().epoch());

      // The master: a CA, a revoked end-entity certificate, both lists at epoch 1.
      engine
          .createCa(
              new CaEngine.NewCa(
                  "drca",
                  "DR CA",
                  "GOVERNMENT",
                  new X500Name("C=JP,O=Test,CN=DR CA"),
                  null,
                  KeySpec.EC_P256,
                  Duration.ofDays(365)))
          .block(WAIT);
      CertificateRecord ee = engine.issue("drca", endEntity()).block(WAIT);
      CrlRecord beforeRevocation = crls.publish("drca", CrlScope.CRL).block(WAIT);
      engine
          .revoke("drca", ee.serialHex(), new Revocation(Instant.now().minusSeconds(5), 1, null))
          .block(WAIT);
      CrlRecord lastCrl = crls.publish("drca", CrlScope.CRL).block(WAIT);
      CrlRecord lastArl = crls.publish("drca", CrlScope.ARL).block(WAIT);
      assertThat(
              new X509CRLHolder(lastCrl.der())
                  .getRevokedCertificate(new BigInteger(ee.serialHex(), 16)))
          .isNotNull();
      long head = store.changeLog().head().block(WAIT);

      // The same data as the backup center "osaka": replicated up to the head, bookmark on record.
      center.get().close();
      try (Connection c = TestDatabase.connect(db);
          Statement s = c.createStatement()) {
        s.execute("UPDATE center_state SET center_id = 'osaka', role = 'BACKUP'");
        s.execute(
            "INSERT INTO replication_bookmark (source_center, epoch, applied_seq, applied_hash, updated_at)"
                + " VALUES ('tokyo', 1, "
                + head
                + ", '\\xcafe'::bytea, now())");
      }
      CenterState backup =
          CenterState.start(db, new CenterSettings("osaka", CenterRole.BACKUP, true), clock);
      center.set(backup);
      try {
        StepVerifier.create(crls.publish("drca", CrlScope.CRL))
            .expectErrorSatisfies(
                e ->
                    assertThat(((SignerException) e).kind()).isEqualTo(SignerException.Kind.FENCED))
            .verify(WAIT);
        StepVerifier.create(engine.issue("drca", endEntity()))
            .expectErrorSatisfies(
                e ->
                    assertThat(((SignerException) e).kind()).isEqualTo(SignerException.Kind.FENCED))
            .verify(WAIT);

        List<String> steps = new CopyOnWriteArrayList<>();
        // Lists published from here on (each republished list signals one repository change).
        java.util.concurrent.atomic.AtomicInteger published =
            new java.util.concurrent.atomic.AtomicInteger();
        reactor.core.Disposable counting =
            changes.changes().subscribe(x -> published.incrementAndGet());
        WriterGate gate = new WriterGate(backup, Flux.just(true));
        gate.run(
            "journal-worker",
            () -> {
              steps.add(
                  "writers open at epoch "
                      + backup.epoch()
                      + " after "
                      + published.get()
                      + " lists");
              return Disposables.single();
            });
        assertThat(steps).as("a backup runs no writer").isEmpty();
        DrPromotion promotion =
            new DrPromotion(
                backup,
                store.cas(),
                store.crls(),
                signer,
                crls,
                gate,
                () ->
                    Mono.fromRunnable(
                        () ->
                            steps.add(
                                "ocsp refresh at epoch "
                                    + backup.epoch()
                                    + " after "
                                    + published.get()
                                    + " lists")));

        assertThatThrownBy(() -> promotion.failover("alice", "alice", "same person").block(WAIT))
            .hasMessageContaining("two different operators");
        assertThat(backup.role()).isEqualTo(CenterRole.BACKUP);

        DrPromotion.Result r =
            promotion
                .failover("alice", "bob", "tokyo lost | master withdrawn: DNS switched")
                .block(WAIT);
        assertThat(r.epoch().epoch()).isEqualTo(2);
        assertThat(r.epoch().prevLastSeq()).isEqualTo(head);
        assertThat(r.epoch().prevChainHash()).containsExactly(0xca, 0xfe);
        assertThat(backup.role()).isEqualTo(CenterRole.MASTER);
        assertThat(r.lists()).hasSize(2);
        CrlRecord newCrl =
            r.lists().stream().filter(l -> l.scope().equals("CRL")).findFirst().orElseThrow();
        CrlRecord newArl =
            r.lists().stream().filter(l -> l.scope().equals("ARL")).findFirst().orElseThrow();
        assertThat(newCrl.number()).isGreaterThan(lastCrl.number());
        assertThat(newArl.number()).isGreaterThan(lastArl.number());
        assertThat(CrlNumbers.epochOf(newCrl.number())).isEqualTo(2);
        assertThat(newCrl.nextUpdate()).isAfterOrEqualTo(lastCrl.nextUpdate());
        assertThat(
                new X509CRLHolder(newCrl.der())
                    .getRevokedCertificate(new BigInteger(ee.serialHex(), 16)))
            .as("the unexpired entry is still listed")
            .isNotNull();
        // The gate opens the writers on the center's change signal, which may come just after the
        // promotion's result.
        io.gpki.sync.testing.Await.await("the writers open", () -> steps.size() >= 2, WAIT);
        assertThat(steps)
            .containsExactly(
                "ocsp refresh at epoch 2 after 2 lists", "writers open at epoch 2 after 2 lists");
        counting.dispose();
        assertThat(store.crls().latest("drca", "CRL").block(WAIT).number())
            .isEqualTo(newCrl.number());

        // A list that drops the unexpired entry is refused against the replicated one, and never
        // archived.
        CrlRecord dropping =
            new CrlRecord(
                0,
                "drca",
                "CRL",
                newCrl.number().add(BigInteger.TEN),
                newCrl.thisUpdate(),
                newCrl.nextUpdate(),
                newCrl.signerKeyId(),
                0,
                beforeRevocation.sha256(),
                beforeRevocation.der());
        StepVerifier.create(
                RepublishCheck.check(store.certificates(), newCrl, dropping, Instant.now()))
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .hasMessageContaining("unexpired entries dropped: [" + ee.serialHex()))
            .verify(WAIT);
        CrlRecord otherScope =
            new CrlRecord(
                0,
                "drca",
                "CRL",
                newCrl.number().add(BigInteger.TEN),
                newCrl.thisUpdate(),
                newCrl.nextUpdate(),
                newCrl.signerKeyId(),
                0,
                lastArl.sha256(),
                lastArl.der());
        StepVerifier.create(
                RepublishCheck.check(store.certificates(), newCrl, otherScope, Instant.now()))
            .expectErrorSatisfies(
                e -> assertThat(e).hasMessageContaining("issuing distribution point differs"))
            .verify(WAIT);
        CrlRecord earlier =
            new CrlRecord(
                0,
                "drca",
                "CRL",
                newCrl.number().add(BigInteger.TEN),
                newCrl.thisUpdate(),
                newCrl.nextUpdate().minusSeconds(1),
                newCrl.signerKeyId(),
                1,
                newCrl.sha256(),
                newCrl.der());
        StepVerifier.create(
                RepublishCheck.check(store.certificates(), newCrl, earlier, Instant.now()))
            .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("nextUpdate"))
            .verify(WAIT);
        CrlRecord lower =
            new CrlRecord(
                0,
                "drca",
                "CRL",
                lastCrl.number(),
                newCrl.thisUpdate(),
                newCrl.nextUpdate(),
                newCrl.signerKeyId(),
                1,
                newCrl.sha256(),
                newCrl.der());
        StepVerifier.create(
                RepublishCheck.check(store.certificates(), newCrl, lower, Instant.now()))
            .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("not above"))
            .verify(WAIT);
        gate.close();
      } finally {
        backup.close();
      }
    }
  }

  private static CaEngine.EndEntity endEntity() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    Instant now = Instant.now();
    return new CaEngine.EndEntity(
        new X500Name("C=JP,O=Test,CN=Subscriber"),
        SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded()),
        CertificateProfile.OFFICIAL_SIGNING,
        now.minusSeconds(60),
        now.plus(Duration.ofDays(30)),
        List.of(),
        null);
  }
}
