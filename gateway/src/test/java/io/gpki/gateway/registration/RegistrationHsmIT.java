package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.signer.CaSigner;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The PKCS#11 path end to end: osca's keys and the audit key on a SoftHSM2 token; an LRA issues and
 * revokes over mutual TLS, the certificate verifies with the token-held key, the audit seal is made
 * by the token. With {@code -Dgpki.bench=true} it also measures the pipeline against a raw HSM
 * loop.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "gpki.operations.audit-seal-interval=500ms")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationHsmIT {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrationHsmIT.class);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    dataDir = GatewayTestSupport.register(registry);
    registry.add("gpki.registration.port", () -> "0");
    GatewayTestSupport.registerHsmAndSoftSources(registry, dataDir, "osca", "audit");
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired RepositoryStore store;
  @Autowired CaSigner signer;
  @Autowired DatabaseCoordinates db;
  LraClient op1;

  @BeforeAll
  void ready() throws Exception {
    GatewayTestSupport.awaitReady(
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build(),
        Duration.ofSeconds(180));
    GatewayTestSupport.awaitPort("the LRA listener", listener::port, Duration.ofSeconds(120));
    op1 = LraTestKit.client(dataDir, "lra-operator-1", listener.port());
  }

  @Test
  void anLraIssuesAndRevokesWithTheCaKeyOnTheToken() throws Exception {
    CaKeyRecord key = store.cas().keys("osca").filter(k -> k.generation() == 2).blockFirst(WAIT);
    assertThat(key.keySource()).isEqualTo("hsm");
    String k = "hsm-issue-0001";
    LraClient.Answer a = op1.post(LraHandler.REQUESTS, k, LraTestKit.issueJson(k, "Token Issued"));
    assertThat(a.status()).as(a.body()).isEqualTo(202);
    JsonNode done = LraTestKit.awaitFinal(op1, LraTestKit.json(a).get("id").asString(), WAIT);
    assertThat(done.get("state").asString()).isEqualTo("DONE");
    X509CertificateHolder cert =
        new X509CertificateHolder(Base64.getDecoder().decode(done.get("certificate").asString()));
    assertThat(
            cert.isSignatureValid(
                new JcaContentVerifierProviderBuilder()
                    .build(
                        java.security.KeyFactory.getInstance("RSA")
                            .generatePublic(
                                new java.security.spec.X509EncodedKeySpec(key.publicKey())))))
        .isTrue();
    String rk = "hsm-revoke-0001";
    LraClient.Answer r =
        op1.post(
            LraHandler.REQUESTS, rk, LraClient.revokeJson(rk, done.get("serial").asString(), 1));
    assertThat(
            LraTestKit.awaitFinal(op1, LraTestKit.json(r).get("id").asString(), WAIT)
                .get("state")
                .asString())
        .isEqualTo("DONE");
    Await.until(
        "an audit seal by the HSM key",
        () -> count("SELECT count(*) FROM audit_seal WHERE key_id = 'audit-g1'"),
        seals -> seals > 0,
        WAIT);
    assertThat(signer.hasKey("audit-g1").block(WAIT)).isTrue();
    assertThat(RegistrationStores.verifyAudit(db).ok()).isTrue();
  }

  @Test
  @EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
  void benchmarkOnTheToken() throws Exception {
    int n = Integer.getInteger("gpki.bench.n", 300);
    List<String[]> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = String.format("hsm-bench-%05d", i);
      requests.add(new String[] {key, LraTestKit.issueJson(key, "hsm-bench-" + i)});
    }
    List<byte[]> signed = requests.stream().map(r -> op1.sign(r[1])).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    Instant t0 = Instant.now();
    List<Future<LraClient.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int x = i;
      answers.add(
          pool.submit(
              () -> op1.postSigned(LraHandler.REQUESTS, requests.get(x)[0], signed.get(x))));
    }
    for (Future<LraClient.Answer> f : answers) {
      assertThat(f.get().status()).as(f.get().body()).isEqualTo(202);
    }
    Await.until(
        "every benchmark request DONE",
        () ->
            count(
                "SELECT count(*) FROM registration_request WHERE state = 'DONE' AND idempotency_key LIKE 'hsm-bench-%'"),
        done -> done >= n,
        Duration.ofMinutes(10));
    Duration done = Duration.between(t0, Instant.now());
    pool.shutdown();
    byte[] tbs = new byte[800];
    Instant r0 = Instant.now();
    for (int i = 0; i < n; i++) {
      tbs[0] = (byte) i;
      signer.sign("osca-g2", "SHA256withRSA", tbs).block(Duration.ofSeconds(10));
    }
    Duration raw = Duration.between(r0, Instant.now());
    double pipeline = n / (done.toMillis() / 1000.0);
    double rawRate = n / (raw.toMillis() / 1000.0);
    LOG.info(
        "BENCH-HSM n={} all issued in {} ms: {} certs/s; raw SoftHSM2 RSA-2048 loop {} sig/s; pipeline/raw = {}",
        n,
        done.toMillis(),
        String.format("%.1f", pipeline),
        String.format("%.1f", rawRate),
        String.format("%.3f", pipeline / rawRate));
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
