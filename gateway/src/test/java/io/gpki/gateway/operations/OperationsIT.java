package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationListener;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Two-person emergency revocation and the tamper-evident audit log. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.registration.port=0",
      "gpki.crl.revocation-publish-delay=200ms",
      "gpki.operations.audit-seal-interval=500ms",
      "gpki.operations.approval-ttl=3s"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired DatabaseCoordinates db;
  @Autowired RepositoryStore store;
  LraClient senior1;
  LraClient senior2;
  LraClient lraOperator;

  @BeforeAll
  void ready() throws Exception {
    GatewayTestSupport.awaitReady(
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build(),
        Duration.ofSeconds(120));
    GatewayTestSupport.awaitPort("the LRA listener", listener::port, Duration.ofSeconds(120));
    senior1 = client("ca-senior-1");
    senior2 = client("ca-senior-2");
    lraOperator = client("lra-operator-1");
  }

  private LraClient client(String id) throws Exception {
    Path dir = dataDir.resolve("demo-lra");
    Path p12 = dir.resolve(id + ".p12");
    return new LraClient(
        URI.create("https://localhost:" + listener.port()),
        Pkcs12Files.read(p12, Pkcs12Files.passwordFile(p12)),
        LraClient.trust(dir.resolve("trust-osca.pem")));
  }

  private static String emergency(String key, String ca) {
    return JSON.createObjectNode()
        .put("action", "EMERGENCY_REVOKE_CA")
        .put("idempotencyKey", key)
        .put("ca", ca)
        .put("reason", 2)
        .toString();
  }

  private static String approval(String key, String id) {
    return JSON.createObjectNode().put("approve", id).put("idempotencyKey", key).toString();
  }

  private static JsonNode json(LraClient.Answer a) {
    return JSON.readTree(a.body());
  }

  @Test
  @Order(1)
  void emergencyRevocationNeedsASecondDifferentSeniorOperator() throws Exception {
    String k = "em-" + UUID.randomUUID();
    assertThat(lraOperator.post(ApprovalHandler.APPROVALS, k, emergency(k, "isca")).status())
        .isEqualTo(403);
    LraClient.Answer asked = senior1.post(ApprovalHandler.APPROVALS, k, emergency(k, "isca"));
    assertThat(asked.status()).as(asked.body()).isEqualTo(202);
    String id = json(asked).get("id").asString();
    assertThat(senior1.post(ApprovalHandler.APPROVALS, k, emergency(k, "isca")).body())
        .contains(id); // repeat
    String path = ApprovalHandler.APPROVALS + "/" + id + "/approve";
    LraClient.Answer self = senior1.post(path, "ap-" + UUID.randomUUID(), approval("x", id));
    assertThat(self.status()).as(self.body()).isEqualTo(409);
    assertThat(lraOperator.post(path, "ap-" + UUID.randomUUID(), approval("x", id)).status())
        .isEqualTo(403);
    LraClient.Answer ok = senior2.post(path, "ap-" + UUID.randomUUID(), approval("x", id));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(json(ok).get("state").asString()).isEqualTo("APPROVED");
    assertThat(json(ok).get("approvedBy").asString()).isEqualTo("ca-senior-2");

    Await.until(
        "every isca certificate revoked",
        () ->
            count(
                "SELECT count(*) FROM certificate WHERE issuer_ca_id = 'isca' AND kind = 'END_ENTITY'"
                    + " AND revoked_at IS NULL AND not_after > now()"),
        unrevoked -> unrevoked == 0,
        WAIT);
    assertThat(
            count(
                "SELECT count(*) FROM certificate WHERE issuer_ca_id = 'isca' AND revocation_reason = 2"))
        .isPositive();
  }

  @Test
  @Order(2)
  void anApprovalAfterExpiryIsRefusedAndTheRequestExpires() throws Exception {
    String k = "em-" + UUID.randomUUID();
    String id =
        json(senior1.post(ApprovalHandler.APPROVALS, k, emergency(k, "private-demo")))
            .get("id")
            .asString();
    Await.pause(Duration.ofMillis(3500)); // past the request's expiry
    LraClient.Answer late =
        senior2.post(
            ApprovalHandler.APPROVALS + "/" + id + "/approve",
            "ap-" + UUID.randomUUID(),
            approval("x", id));
    assertThat(late.status()).as(late.body()).isEqualTo(409);
    assertThat(json(senior2.get(ApprovalHandler.APPROVALS + "/" + id)).get("state").asString())
        .isEqualTo("EXPIRED");
    assertThat(
            count(
                "SELECT count(*) FROM certificate WHERE issuer_ca_id = 'private-demo' AND revocation_reason = 2"))
        .isZero();
  }

  @Test
  @Order(3)
  void theAuditLogRecordsEverythingAndVerifies() throws Exception {
    Await.until(
        "a seal and an issued CRL in the audit log",
        () ->
            count("SELECT count(*) FROM audit_seal") > 0
                && count("SELECT count(*) FROM audit_log WHERE type = 'CRL_ISSUED'") > 0,
        Boolean::booleanValue,
        WAIT);
    List<String> types = new ArrayList<>();
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT DISTINCT type || ':' || outcome FROM audit_log")) {
      while (rs.next()) {
        types.add(rs.getString(1));
      }
    }
    assertThat(types)
        .contains(
            "APPROVAL:REQUESTED",
            "APPROVAL:APPROVED",
            "APPROVAL:EXPIRED",
            "AUTH_FAILURE:DENIED",
            "REQUEST_DONE:DONE",
            "CRL_ISSUED:ISSUED",
            "OPERATOR_REGISTERED:DONE",
            "LRA_REGISTERED:DONE");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        AuditVerify.run(verifierArgs(), new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(status).as(out.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("audit log OK");
    // no secret of the demo credentials reached the log
    String password =
        java.nio.file.Files.readString(dataDir.resolve("demo-lra/ca-senior-1.p12.pass")).strip();
    assertThat(count("SELECT count(*) FROM audit_log WHERE detail LIKE '%" + password + "%'"))
        .isZero();
  }

  @Test
  @Order(4)
  void aTamperedRecordIsFoundByTheVerifier() throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement()) {
      // the table refuses updates; an attacker with owner rights switches that off first
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> st.executeUpdate("UPDATE audit_log SET outcome = 'X' WHERE seq = 5")))
          .isNotNull();
      st.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update");
      st.executeUpdate("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 5");
      st.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        AuditVerify.run(verifierArgs(), new PrintStream(out, true, StandardCharsets.UTF_8));
    assertThat(status).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("audit log BROKEN at seq 5:");
  }

  /**
   * The verifier's command line as an operator gives it: the password (the embedded server has one)
   * in a file.
   */
  private String[] verifierArgs() throws java.io.IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--db-url",
                "postgresql://" + db.host() + ":" + db.port() + "/" + db.database(),
                "--db-user",
                db.user()));
    if (db.password() != null) {
      Path file = java.nio.file.Files.createTempFile(dataDir, "db", ".pass");
      java.nio.file.Files.writeString(file, db.password(), StandardCharsets.UTF_8);
      args.add("--db-password-file");
      args.add(file.toString());
    }
    return args.toArray(String[]::new);
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
