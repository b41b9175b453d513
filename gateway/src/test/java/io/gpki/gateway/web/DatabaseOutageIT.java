package io.gpki.gateway.web;

import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.TcpProxy;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Issue 16 (1, 2): the gateway's database really goes away (its TCP path is cut: every pooled
 * connection is reset, new ones are refused) while the gateway runs. Reads that need the store (an
 * archived CRL, a certificate outside the snapshot) and an LRA issue request answer 503 problems
 * with Retry-After, never 500; the snapshot keeps serving and readiness stays UP while the {@code
 * database} health group is DOWN; when the database is back, the store answers again.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gpki.crl.period=1h", "gpki.crl.validity=2h"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseOutageIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static TcpProxy database;
  private static DatabaseCoordinates db;
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    db = TestDatabase.freshDatabase();
    database = new TcpProxy(db.host(), db.port());
    dataDir = Files.createTempDirectory("gpki-db-outage");
    registry.add("gpki.data-dir", dataDir::toString);
    registry.add("gpki.repository.ldap.port", () -> "0");
    registry.add("gpki.registration.port", () -> "0");
    registry.add(
        "gpki.db.url", () -> "postgresql://127.0.0.1:" + database.port() + "/" + db.database());
    registry.add("gpki.db.user", db::user);
    if (db.password() != null) {
      Path passwordFile = dataDir.resolve("db.pass");
      Files.writeString(passwordFile, db.password());
      registry.add("gpki.db.password-file", passwordFile::toString);
    }
  }

  @LocalServerPort int port;
  @LocalManagementPort int managementPort;
  @Autowired io.gpki.gateway.registration.RegistrationListener listener;

  @AfterAll
  void closeProxy() throws IOException {
    database.close();
  }

  @Test
  void storeReadsAndLraRequestsAnswer503WhileTheSnapshotServesAndReadinessStaysUp()
      throws Exception {
    WebTestClient http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(WAIT)
            .build();
    WebTestClient management =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + managementPort)
            .responseTimeout(WAIT)
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(120));
    await("the LRA listener", () -> listener.port() > 0, WAIT);
    LraClient lra = lraClient(listener.port());
    // The first list of osca is archived (the demo's revocations made a later one current); numbers
    // are epoch-major, so read it from the store.
    String archived = "/repository/crl/osca/" + firstListNumber("osca") + ".crl";
    String unknownCert = "/repository/certs/osca/abcdef0123456789.cer";
    assertThat(status(http, archived)).isEqualTo(200);
    assertThat(status(http, unknownCert)).isEqualTo(404);

    database.stop();

    for (String path : List.of(archived, unknownCert)) {
      EntityExchangeResult<String> r = get(http, path);
      assertThat(r.getStatus().value()).as(path + ": " + r.getResponseBody()).isEqualTo(503);
      assertThat(r.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).as(path).isNotBlank();
      assertThat(r.getResponseHeaders().getCacheControl()).as(path).isEqualTo("no-store");
      assertThat(r.getResponseHeaders().getContentType()).hasToString("application/problem+json");
      assertThat(r.getResponseBody()).contains("urn:gpki:problem:service-unavailable");
    }
    assertThat(status(http, "/repository/crl/osca.crl"))
        .as("current CRL from the snapshot")
        .isEqualTo(200);
    String key = "outage-" + UUID.randomUUID();
    LraClient.Answer issue = lra.post("/api/v1/lra/requests", key, issueJson(key));
    assertThat(issue.status()).as(issue.body()).isEqualTo(503);
    assertThat(issue.body()).contains("urn:gpki:problem:service-unavailable");

    management
        .get()
        .uri("/actuator/health/readiness")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("UP");
    management
        .get()
        .uri("/actuator/health/database")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.components.primaryDatabase.status")
        .isEqualTo("DOWN");

    database.start();
    await("the store to answer again", () -> status(http, unknownCert) == 404, WAIT);
    assertThat(status(http, archived)).isEqualTo(200);
    management.get().uri("/actuator/health/database").exchange().expectStatus().isOk();
  }

  private static EntityExchangeResult<String> get(WebTestClient http, String path) {
    return http.get().uri(path).exchange().expectBody(String.class).returnResult();
  }

  private static int status(WebTestClient http, String path) {
    return http.get().uri(path).exchange().returnResult(byte[].class).getStatus().value();
  }

  private static LraClient lraClient(int lraPort) {
    Path dir = dataDir.toAbsolutePath().normalize().resolve("demo-lra");
    Path p12 = dir.resolve("lra-operator-1.p12");
    try {
      return new LraClient(
          URI.create("https://localhost:" + lraPort),
          Pkcs12Files.read(p12, Pkcs12Files.passwordFile(p12)),
          LraClient.trust(dir.resolve("trust-osca.pem")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String issueJson(String key) {
    var subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.C, "JP")
            .addRDN(BCStyle.O, "Japanese Government")
            .addRDN(BCStyle.OU, "Ministry of Demo Affairs")
            .addRDN(BCStyle.CN, "Outage Person")
            .build();
    return LraClient.issueJson(
        key, "OFFICIAL_SIGNING", LraClient.csr(LraClient.ecKeyPair(), subject), List.of());
  }

  private static String firstListNumber(String caId) throws java.sql.SQLException {
    try (java.sql.Connection c = TestDatabase.connect(db);
        java.sql.PreparedStatement st =
            c.prepareStatement(
                "SELECT min(crl_number) FROM crl WHERE ca_id = ? AND scope = 'CRL'")) {
      st.setString(1, caId);
      try (java.sql.ResultSet rows = st.executeQuery()) {
        assertThat(rows.next()).isTrue();
        return rows.getBigDecimal(1).toBigIntegerExact().toString();
      }
    }
  }
}
