package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.Certificates;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.GeneratedKey;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.testing.TestDatabase;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Server-generated keys end to end over the mutual-TLS listener: the one-time secret in the first
 * 202 only, one pickup, the PKCS#12's encryption as openssl reads it, the key matching the
 * certificate, no key or secret anywhere in the database, and the reservation step re-run.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gpki.registration.port=0", "gpki.operations.audit-seal-interval=1s"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerKeyIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired RegistrationStores stores;
  @Autowired JournalWorker worker;
  @Autowired DatabaseCoordinates db;
  LraClient op1;
  LraClient op2;
  LraClient senior;

  @BeforeAll
  void ready() throws Exception {
    GatewayTestSupport.awaitReady(
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build(),
        Duration.ofSeconds(120));
    GatewayTestSupport.awaitPort("the LRA listener", listener::port, Duration.ofSeconds(120));
    op1 = LraTestKit.client(dataDir, "lra-operator-1", listener.port());
    op2 = LraTestKit.client(dataDir, "lra-operator-2", listener.port());
    senior = LraTestKit.client(dataDir, "ca-senior-1", listener.port());
  }

  private static String subject(String cn) {
    return "CN=" + cn + ",OU=Ministry of Demo Affairs,O=Japanese Government,C=JP";
  }

  private static String generated(String key, String profile, String cn, String algorithm) {
    return LraClient.issueGeneratedJson(key, profile, subject(cn), algorithm, List.of());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "delivered once/RSA-2048, RSA-2048, Key Rsa",
    "delivered once/EC-P256, EC-P256, Key Ec"
  })
  void aGeneratedKeyIsDeliveredOnceEncryptedToTheSecretOfTheFirstAnswer(
      String name, String algorithm, String cn) throws Exception {
    String k = "sk-" + UUID.randomUUID();
    byte[] signed = op1.sign(generated(k, "USER_SIGNING", cn, algorithm));
    LraClient.Answer first = op1.postSigned(LraHandler.REQUESTS, k, signed);
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    JsonNode accepted = LraTestKit.json(first);
    String id = accepted.get("id").asString();
    String secret = accepted.get("keySecret").asString();
    assertThat(secret).hasSize(32).doesNotStartWith("already");
    LraClient.Answer replay = op1.postSigned(LraHandler.REQUESTS, k, signed);
    assertThat(replay.status()).isEqualTo(202);
    assertThat(LraTestKit.json(replay).get("id").asString()).isEqualTo(id);
    assertThat(replay.body()).doesNotContain(secret).contains("already delivered");

    LraClient.Answer early = op1.pickupKey(id);
    JsonNode done = LraTestKit.awaitFinal(op1, id, WAIT);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("DONE");
    if (early.status() != 200) { // the worker is usually faster than this second call
      assertThat(early.status()).as(early.body()).isEqualTo(409);
    }
    assertThat(senior.pickupKey(id).status())
        .as("a CA-side operator is no LRA operator")
        .isEqualTo(403);
    LraClient.Answer pickup =
        early.status() == 200 ? early : op2.pickupKey(id); // same LRA, other operator
    assertThat(pickup.status()).as(pickup.body()).isEqualTo(200);
    JsonNode delivered = LraTestKit.json(pickup);
    JsonNode status = LraTestKit.json(op1.get(LraHandler.REQUESTS + "/" + id));
    assertThat(status.get("serverKey").get("state").asString()).isEqualTo("DELIVERED");
    assertThat(status.toString()).doesNotContain(secret);
    LraClient.Answer again = op1.pickupKey(id);
    assertThat(again.status()).as(again.body()).isEqualTo(409);
    assertThat(LraTestKit.json(again).get("detail").asString())
        .startsWith("pkcs12:")
        .contains("already delivered");

    byte[] p12 = Base64.getDecoder().decode(delivered.get("pkcs12").asString());
    X509Certificate cert =
        Pkcs12Files.x509(Base64.getDecoder().decode(delivered.get("certificate").asString()));
    assertThat(cert.getSerialNumber().toString(16)).isEqualTo(done.get("serial").asString());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo(subject(cn));

    Path file = Files.createTempFile(dataDir, "picked", ".p12");
    Files.write(file, p12);
    OpenSsl.Result info =
        OpenSsl.run(
            List.of(
                "pkcs12", "-info", "-noout", "-in", file.toString(), "-passin", "pass:" + secret));
    assertThat(info.exitCode()).as(info.output()).isZero();
    assertThat(info.output())
        .contains("MAC: sha256, Iteration 600000")
        .contains(
            "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256");
    assertThat(
            OpenSsl.run(
                    List.of(
                        "pkcs12",
                        "-info",
                        "-noout",
                        "-in",
                        file.toString(),
                        "-passin",
                        "pass:wrong"))
                .exitCode())
        .isNotZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(new ByteArrayInputStream(p12), secret.toCharArray());
    String alias = ks.aliases().nextElement();
    PrivateKey key = (PrivateKey) ks.getKey(alias, secret.toCharArray());
    java.security.Signature s =
        java.security.Signature.getInstance(
            key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA");
    s.initSign(key);
    s.update("match".getBytes(StandardCharsets.UTF_8));
    byte[] sig = s.sign();
    s.initVerify(cert.getPublicKey());
    s.update("match".getBytes(StandardCharsets.UTF_8));
    assertThat(s.verify(sig)).as("the certificate certifies the delivered key").isTrue();

    GeneratedKey stored = stores.serverKeys().generatedKey(id).block(WAIT);
    assertThat(stored.available()).isFalse();
    assertThat(stored.deliveredBy()).isIn("lra-operator-1", "lra-operator-2");
    assertThat(stored.secretSha256())
        .isEqualTo(Certificates.digest("SHA-256", secret.getBytes(StandardCharsets.UTF_8)));
    List<String> needles =
        new ArrayList<>(
            List.of(
                HexFormat.of().formatHex(key.getEncoded()),
                secret,
                HexFormat.of().formatHex(p12).substring(400, 600)));
    needles.add(privateValueHex(key));
    assertThat(tablesContaining(needles))
        .as("no key, PKCS#12 or secret left in the database")
        .isEmpty();
    assertThat(
            count(
                "SELECT count(*) FROM audit_log WHERE type = 'KEY_DELIVERED' AND object = '"
                    + id
                    + "'"))
        .isEqualTo(1);
  }

  @Test
  void theCommandLineWritesTheSecretAndThePkcs12ToOwnerOnlyFiles() throws Exception {
    Path dir = Files.createTempDirectory(dataDir, "cli");
    Path lra = dataDir.resolve("demo-lra");
    List<String> common =
        List.of(
            "--url",
            "https://localhost:" + listener.port(),
            "--p12",
            lra.resolve("lra-operator-1.p12").toString(),
            "--trust",
            lra.resolve("trust-osca.pem").toString());
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    List<String> issue = new ArrayList<>(List.of("issue"));
    issue.addAll(common);
    issue.addAll(
        List.of(
            "--subject",
            subject("Cli Generated"),
            "--profile",
            "USER_SIGNING",
            "--generate-key",
            "EC-P256",
            "--secret-out",
            dir.resolve("cli.secret").toString()));
    assertThat(
            LraClient.run(
                issue.toArray(String[]::new),
                new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8)))
        .as(out.toString(StandardCharsets.UTF_8))
        .isZero();
    String secret = Files.readString(dir.resolve("cli.secret")).strip();
    assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain(secret).contains("written to");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(dir.resolve("cli.secret").toAbsolutePath().toString());
    assertThat(Files.getPosixFilePermissions(dir.resolve("cli.secret")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    String id =
        LraTestKit.JSON
            .readTree(out.toString(StandardCharsets.UTF_8).substring(4))
            .get("id")
            .asString();
    LraTestKit.awaitFinal(op1, id, WAIT);
    List<String> pickup = new ArrayList<>(List.of("pickup"));
    pickup.addAll(common);
    pickup.addAll(List.of("--id", id, "--out", dir.resolve("cli.p12").toString()));
    java.io.ByteArrayOutputStream out2 = new java.io.ByteArrayOutputStream();
    assertThat(
            LraClient.run(
                pickup.toArray(String[]::new),
                new java.io.PrintStream(out2, true, StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8)))
        .as(out2.toString(StandardCharsets.UTF_8))
        .isZero();
    assertThat(Files.getPosixFilePermissions(dir.resolve("cli.p12")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    OpenSsl.Result info =
        OpenSsl.run(
            List.of(
                "pkcs12",
                "-info",
                "-noout",
                "-in",
                dir.resolve("cli.p12").toString(),
                "-passin",
                "file:" + dir.resolve("cli.secret")));
    assertThat(info.exitCode()).as(info.output()).isZero();
    assertThat(Files.readString(dir.resolve("cli.p12.crt.pem")))
        .startsWith("-----BEGIN CERTIFICATE-----");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "400 keyGeneration:/profile not configured, OFFICIAL_SIGNING, EC-P256, CN=No Official, keyGeneration:",
    "400 keyGeneration:/unknown algorithm, USER_SIGNING, DSA-1024, CN=No Dsa, keyGeneration:",
    "400 subject:/outside the namespace, USER_SIGNING, EC-P256, 'CN=X,O=Elsewhere,C=JP', subject:"
  })
  void refusedBeforeAcceptance(
      String name, String profile, String algorithm, String subject, String field)
      throws Exception {
    String k = "sk-" + UUID.randomUUID();
    String json =
        LraClient.issueGeneratedJson(
            k,
            profile,
            subject.contains("Elsewhere") ? subject : subject(subject.substring(3)),
            algorithm,
            List.of());
    LraClient.Answer a = op1.post(LraHandler.REQUESTS, k, json);
    assertThat(a.status()).as(a.body()).isEqualTo(400);
    assertThat(LraTestKit.json(a).get("detail").asString()).startsWith(field);
    assertThat(stores.journal().findByKey(DemoLra.LRA_ID, k).blockOptional(WAIT)).isEmpty();
  }

  @Test
  void aRejectedRequestsKeyIsDiscardedAndCannotBePickedUp() throws Exception {
    String k1 = "sk-" + UUID.randomUUID();
    String id1 =
        LraTestKit.json(
                op1.post(
                    LraHandler.REQUESTS,
                    k1,
                    generated(k1, "USER_SIGNING", "Twice Named", "EC-P256")))
            .get("id")
            .asString();
    assertThat(LraTestKit.awaitFinal(op1, id1, WAIT).get("state").asString()).isEqualTo("DONE");
    String k2 = "sk-" + UUID.randomUUID();
    String id2 =
        LraTestKit.json(
                op1.post(
                    LraHandler.REQUESTS,
                    k2,
                    generated(k2, "USER_SIGNING", "Twice Named", "EC-P256")))
            .get("id")
            .asString();
    JsonNode rejected = LraTestKit.awaitFinal(op1, id2, WAIT);
    assertThat(rejected.get("state").asString()).isEqualTo("REJECTED");
    assertThat(stores.serverKeys().generatedKey(id2).block(WAIT).available()).isFalse();
    LraClient.Answer a = op1.pickupKey(id2);
    assertThat(a.status()).as(a.body()).isEqualTo(409);
  }

  /**
   * A crash after the serial reservation: the step runs again (twice, concurrently with the worker)
   * and the request ends with one certificate, under the reserved serial, for the stored public
   * key.
   */
  @Test
  void reRunningTheReservedStepSignsTheStoredKeyOnce() throws Exception {
    String k = "sk-" + UUID.randomUUID();
    String json = generated(k, "USER_SIGNING", "Crash Reserved", "EC-P256");
    ServerKeys keys = new ServerKeys(100_000);
    ServerKeys.Sealed sealed =
        Mono.fromCallable(() -> keys.generate(ServerKeyAlgorithm.EC_P256))
            .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic())
            .block(WAIT);
    String id = UUID.randomUUID().toString();
    byte[] content = json.getBytes(StandardCharsets.UTF_8);
    JournalEntry entry =
        JournalEntry.accepted(
            id,
            DemoLra.LRA_ID,
            "lra-operator-1",
            k,
            JournalEntry.Kind.ISSUE,
            "osca",
            json,
            Certificates.digest("SHA-256", content),
            null,
            Instant.now());
    stores
        .serverKeys()
        .accept(
            entry,
            new GeneratedKey(
                id,
                "EC-P256",
                sealed.publicKey(),
                sealed.secretSha256(),
                Instant.now(),
                null,
                null,
                true),
            sealed.pkcs12(),
            new AuditEvent("LRA_REQUEST", "test", "lra-operator-1", id, "ACCEPTED", "test entry"))
        .block(WAIT);
    String serial =
        stores
            .journal()
            .reserveSerial(
                id,
                Certificates.hex(Certificates.randomSerial()),
                new AuditEvent(
                    "SIGNATURE", "test", "system", "osca/reserved", "STARTED", "test reservation"))
            .block(WAIT);
    JournalEntry reserved = stores.journal().find(id).block(WAIT);
    assertThat(reserved.reservedSerial()).isEqualTo(serial);
    Mono.zip(worker.process(reserved), worker.process(reserved)).block(WAIT);
    worker
        .process(stores.journal().find(id).block(WAIT))
        .block(WAIT); // once more after completion: a no-op
    JournalEntry done = stores.journal().find(id).block(WAIT);
    assertThat(done.state()).isEqualTo(JournalEntry.State.DONE);
    assertThat(done.resultSerial()).isEqualTo(serial);
    String spki = HexFormat.of().formatHex(Certificates.digest("SHA-256", sealed.publicKey()));
    assertThat(
            count("SELECT count(*) FROM certificate WHERE spki_sha256 = '\\x" + spki + "'::bytea"))
        .isEqualTo(1);
    assertThat(
            count(
                "SELECT count(*) FROM certificate WHERE spki_sha256 = '\\x"
                    + spki
                    + "'::bytea AND serial_hex = '"
                    + serial
                    + "'"))
        .isEqualTo(1);
  }

  private static String privateValueHex(PrivateKey key) {
    java.math.BigInteger v =
        key instanceof ECPrivateKey ec ? ec.getS() : ((RSAPrivateCrtKey) key).getPrivateExponent();
    return v.toString(16);
  }

  /** Every table whose rows, as text (bytea in hex), contain one of the needles. */
  private List<String> tablesContaining(List<String> needles) throws Exception {
    List<String> hits = new ArrayList<>();
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet tables =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")) {
      List<String> names = new ArrayList<>();
      while (tables.next()) {
        names.add(tables.getString(1));
      }
      for (String t : names) {
        for (String needle : needles) {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT count(*) FROM \""
                      + t
                      + "\" x WHERE strpos(lower(x::text), lower(?)) > 0")) {
            ps.setString(1, needle);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              if (rs.getLong(1) > 0) {
                hits.add(
                    t + " contains " + needle.substring(0, Math.min(12, needle.length())) + "...");
              }
            }
          }
        }
      }
    }
    return hits;
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
