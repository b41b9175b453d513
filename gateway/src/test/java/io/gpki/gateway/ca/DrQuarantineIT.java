package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.operations.DrCli;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.gateway.testing.CaTier;
import io.gpki.signer.CaSigners;
import io.gpki.signer.CertificateProfile;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.ManagedCaSigner;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterSettings;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code gpki dr quarantine} end to end on a real database: an old master that issued and revoked
 * after the fork point, fenced by the new master's epoch, gets a signed report that lists each of
 * them; the signature verifies, and a tampered report does not.
 */
class DrQuarantineIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void theDivergentTailIsReportedSignedAndVerifiable() throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    Clock clock = Clock.systemUTC();
    CenterState center =
        CenterState.start(db, new CenterSettings("tokyo", CenterRole.MASTER, true), clock);
    Path pass = dir.resolve("soft.pass");
    Files.writeString(pass, "quarantine-test\n");
    CertificateRecord lost;
    long forkSeq;
    String forkHash;
    try (RepositoryStore store = RepositoryStore.open(db, 4, clock);
        ManagedCaSigner signer =
            CaSigners.create(
                List.of(
                    new KeySourceSpec.Pkcs12(
                        "soft",
                        dir.resolve("soft.p12"),
                        pass,
                        null,
                        KeySourceSpec.Resilience.defaults())),
                keyId -> center.refusal())) {
      RepositoryUrls urls = new RepositoryUrls("http://localhost:18081", "ldap://localhost:11390");
      CaEngine engine = CaTier.engine(signer, store, urls, clock, new RepositoryChanges());
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
      CertificateRecord replicated = engine.issue("drca", endEntity()).block(WAIT);
      // What the new master applied before the failover: the fork point on its epoch history.
      String[] head =
          query(db, "SELECT last_seq || ' ' || encode(last_hash, 'hex') FROM change_log_head");
      forkSeq = Long.parseLong(head[0].split(" ")[0]);
      forkHash = head[0].split(" ")[1];
      // Cut off, the old master issued and revoked on.
      lost = engine.issue("drca", endEntity()).block(WAIT);
      engine
          .revoke("drca", replicated.serialHex(), new Revocation(Instant.now(), 1, null))
          .block(WAIT);
    }
    center.observeEpoch(2, "the new master's status").block(WAIT);
    assertThat(center.role()).isEqualTo(CenterRole.FENCED);
    center.close();

    Path p12 = operationsKey();
    Path report = dir.resolve("report.json");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path dbPass = dir.resolve("db.pass");
    Files.writeString(dbPass, db.password() == null ? "" : db.password());
    int code =
        DrCli.run(
            new String[] {
              "quarantine",
              "--db-password-file",
              dbPass.toString(),
              "--out",
              report.toString(),
              "--db",
              db.jdbcUrl(),
              "--db-user",
              db.user(),
              "--sign-p12",
              p12.toString(),
              "--new-epoch",
              "2",
              "--new-master",
              "osaka",
              "--fork-seq",
              Long.toString(forkSeq),
              "--fork-hash",
              forkHash
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();

    JsonNode json = RegistrationJson.mapper().readTree(Files.readAllBytes(report));
    assertThat(json.path("center").asString()).isEqualTo("tokyo");
    assertThat(json.path("forkPoint").path("matches").asBoolean()).isTrue();
    List<String> issued = keys(json.path("sections").path("certificates"));
    List<String> revoked = keys(json.path("sections").path("revocations"));
    assertThat(issued).containsExactly("drca/" + lost.serialHex());
    assertThat(revoked).hasSize(1).allMatch(k -> k.startsWith("drca/"));
    assertThat(json.path("divergentRecords").asInt()).isEqualTo(2);

    assertThat(verify(report)).isZero();
    byte[] tampered = Files.readAllBytes(report);
    String text = new String(tampered, StandardCharsets.UTF_8).replace(lost.serialHex(), "0");
    Files.writeString(dir.resolve("tampered.json"), text);
    Files.copy(Path.of(report + ".p7s"), dir.resolve("tampered.json.p7s"));
    assertThat(verify(dir.resolve("tampered.json"))).isEqualTo(1);
  }

  private static int verify(Path report) throws Exception {
    return DrCli.run(
        new String[] {"quarantine", "--verify", report.toString()},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
  }

  private static List<String> keys(JsonNode section) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : section) {
      out.add(e.path("key").asString());
    }
    return out;
  }

  /** The center's operations key as a PKCS#12 (a self-signed test certificate). */
  private Path operationsKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair k = g.generateKeyPair();
    X500Name name = new X500Name("C=JP,O=Test,CN=tokyo operations");
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        name,
                        BigInteger.TEN,
                        Date.from(Instant.now().minusSeconds(60)),
                        Date.from(Instant.now().plus(Duration.ofDays(1))),
                        name,
                        k.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate())));
    Path p12 = dir.resolve("ops.p12");
    Pkcs12Files.write(
        p12, new Pkcs12Files.Credential(k.getPrivate(), new X509Certificate[] {cert}));
    return p12;
  }

  private static String[] query(DatabaseCoordinates db, String sql) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      List<String> out = new ArrayList<>();
      while (r.next()) {
        out.add(r.getString(1));
      }
      return out.toArray(String[]::new);
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
