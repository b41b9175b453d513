package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.signer.CaSigner;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Benchmark, not a timed test (run with {@code -Dgpki.bench=true -Dit.test=RegistrationBenchIT}):
 * certificates per second through the whole pipeline (signed request over mutual TLS, durable
 * acceptance, worker, signature, store, done) against a raw signing loop with the same CA key in
 * the same run. Results go to the log line starting {@code BENCH}.
 */
@EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "gpki.registration.port=0")
class RegistrationBenchIT {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrationBenchIT.class);
  private static final int N = Integer.getInteger("gpki.bench.n", 500);
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired CaSigner signer;
  @Autowired DatabaseCoordinates db;

  @Test
  void pipelineVersusRawSigning() throws Exception {
    GatewayTestSupport.awaitReady(
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(Duration.ofSeconds(30))
            .build(),
        Duration.ofSeconds(180));
    GatewayTestSupport.awaitPort("the LRA listener", listener::port, Duration.ofSeconds(120));
    LraClient client = LraTestKit.client(dataDir, "lra-operator-1", listener.port());
    List<String[]> requests = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      String key = String.format("bench-%05d", i);
      String json = LraTestKit.issueJson(key, "bench-" + i);
      requests.add(new String[] {key, json});
    }
    List<byte[]> signed = requests.stream().map(r -> client.sign(r[1])).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    Instant t0 = Instant.now();
    List<Future<LraClient.Answer>> answers = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      int n = i;
      answers.add(
          pool.submit(
              () -> client.postSigned(LraHandler.REQUESTS, requests.get(n)[0], signed.get(n))));
    }
    for (Future<LraClient.Answer> a : answers) {
      assertThat(a.get().status()).as(a.get().body()).isEqualTo(202);
    }
    Duration accepted = Duration.between(t0, Instant.now());
    Await.until(
        "every benchmark request DONE",
        () ->
            count(
                "SELECT count(*) FROM registration_request WHERE state = 'DONE' AND idempotency_key LIKE 'bench-%'"),
        done -> done >= N,
        Duration.ofMinutes(10));
    Duration done = Duration.between(t0, Instant.now());
    pool.shutdown();

    byte[] tbs = new byte[800]; // about the size of an end-entity TBSCertificate
    Instant r0 = Instant.now();
    for (int i = 0; i < N; i++) {
      tbs[0] = (byte) i;
      signer.sign("osca-g2", "SHA256withRSA", tbs).block(Duration.ofSeconds(10));
    }
    Duration raw = Duration.between(r0, Instant.now());
    double pipeline = N / (done.toMillis() / 1000.0);
    double rawRate = N / (raw.toMillis() / 1000.0);
    LOG.info(
        "BENCH n={} accepted in {} ms ({} req/s), all issued in {} ms: {} certs/s; raw RSA-2048 signing loop"
            + " {} sig/s; pipeline/raw = {}",
        N,
        accepted.toMillis(),
        Math.round(N / (accepted.toMillis() / 1000.0)),
        done.toMillis(),
        String.format("%.1f", pipeline),
        String.format("%.1f", rawRate),
        String.format("%.3f", pipeline / rawRate));
  }

  private long count(String sql) throws Exception {
    DatabaseCoordinates c = db;
    try (Connection conn = TestDatabase.connect(c);
        Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
