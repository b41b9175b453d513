package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationListener;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x509.CertificatePair;
import org.bouncycastle.cert.X509CRLHolder;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * Two-person control of CA key generation and activation, cross-certificate issuance and revocation
 * (and the reserved FAILOVER) over the mutual-TLS listener, with the results visible in the
 * repository.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.registration.port=0",
      "gpki.crl.revocation-publish-delay=200ms",
      "gpki.operations.approval-ttl=6s",
      "gpki.operations.action-poll-interval=1s"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CriticalActionsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
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
  @Autowired RegistrationStores stores;
  @Autowired ApprovedActions executor;
  WebTestClient http;
  LraClient senior1;
  LraClient senior2;
  LraClient lraOperator;
  String crossSerial;

  @BeforeAll
  void ready() throws Exception {
    http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(120));
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

  private static ObjectNode action(String action, String key, String ca) {
    return JSON.createObjectNode().put("action", action).put("idempotencyKey", key).put("ca", ca);
  }

  private static JsonNode json(LraClient.Answer a) {
    return JSON.readTree(a.body());
  }

  /** Asks (senior 1), checks the refusals, approves (senior 2); emits the approval id. */
  private String askAndApprove(ObjectNode body) throws Exception {
    String k = body.get("idempotencyKey").asString();
    assertThat(lraOperator.post(ApprovalHandler.APPROVALS, k, body.toString()).status())
        .as("an LRA operator may not ask")
        .isEqualTo(403);
    LraClient.Answer asked = senior1.post(ApprovalHandler.APPROVALS, k, body.toString());
    assertThat(asked.status()).as(asked.body()).isEqualTo(202);
    String id = json(asked).get("id").asString();
    String path = ApprovalHandler.APPROVALS + "/" + id + "/approve";
    String approve =
        JSON.createObjectNode().put("approve", id).put("idempotencyKey", "ap-" + id).toString();
    LraClient.Answer self = senior1.post(path, "ap-" + UUID.randomUUID(), approve);
    assertThat(self.status()).as("self-approval: " + self.body()).isEqualTo(409);
    assertThat(lraOperator.post(path, "ap-" + UUID.randomUUID(), approve).status())
        .as("wrong role")
        .isEqualTo(403);
    LraClient.Answer ok = senior2.post(path, "ap-" + UUID.randomUUID(), approve);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(json(ok).get("approvedBy").asString()).isEqualTo("ca-senior-2");
    return id;
  }

  private JsonNode awaitExecuted(String id) throws Exception {
    JsonNode n =
        Await.until(
            "approval " + id + " executed",
            () -> json(senior1.get(ApprovalHandler.APPROVALS + "/" + id)),
            a -> a.has("execution") && !a.get("execution").asString().equals("PENDING"),
            WAIT);
    assertThat(n.get("execution").asString()).as(n.toString()).isEqualTo("DONE");
    return n;
  }

  private byte[] get(String path) {
    return http.get()
        .uri(path)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  @Test
  @Order(1)
  void failoverAtTheMasterIsRefusedWith409() throws Exception {
    String k = "fo-" + UUID.randomUUID();
    LraClient.Answer a =
        senior1.post(
            ApprovalHandler.APPROVALS,
            k,
            action("FAILOVER", k, "osca")
                .put("reason", "drill")
                .put("attestation", "dns switched")
                .toString());
    assertThat(a.status()).as(a.body()).isEqualTo(409);
    assertThat(json(a).get("detail").asString())
        .startsWith("action: FAILOVER promotes a BACKUP center");
    // The DR command line against the same listener: status, and a failover request refused at a
    // master.
    Path dir = dataDir.resolve("demo-lra");
    String[] common = {
      "--url",
      "https://localhost:" + listener.port(),
      "--p12",
      dir.resolve("ca-senior-1.p12").toString(),
      "--trust",
      dir.resolve("trust-osca.pem").toString()
    };
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    String[] status =
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of("status"), java.util.Arrays.stream(common))
            .toArray(String[]::new);
    assertThat(
            DrCli.run(
                status,
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)))
        .as(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isZero();
    JsonNode center =
        JSON.readTree(out.toString(java.nio.charset.StandardCharsets.UTF_8).substring(4));
    assertThat(center.get("role").asString()).isEqualTo("MASTER");
    assertThat(center.get("epoch").asLong()).isEqualTo(1);
    assertThat(center.get("epochHistory").get(0).get("kind").asString()).isEqualTo("INITIAL");
    String[] noReason =
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of("failover"), java.util.Arrays.stream(common))
            .toArray(String[]::new);
    assertThat(
            DrCli.run(
                noReason,
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("missing --reason, --attestation");
    assertThat(count("SELECT count(*) FROM operator_approval WHERE action = 'FAILOVER'")).isZero();
  }

  @Test
  @Order(2)
  void aNewOscaKeyComesWithLinkCertificatesInTheRepositoryAndARerunSignsNothing() throws Exception {
    String k = "kg-" + UUID.randomUUID();
    String id = askAndApprove(action("CA_KEY_GENERATE", k, "osca").put("keySpec", "RSA_2048"));
    JsonNode done = awaitExecuted(id);
    assertThat(done.get("result").asString())
        .contains("key generation 3 (osca-g3) prepared, not active");
    assertThat(store.cas().ca("osca").block(WAIT).currentGeneration())
        .as("not active yet")
        .isEqualTo(2);
    List<CaKeyRecord> keys = store.cas().keys("osca").collectList().block(WAIT);
    PublicKey g2 = publicKey(keys.get(1));
    PublicKey g3 = publicKey(keys.get(2));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "self-signed ([0-9a-f]+), old-with-new ([0-9a-f]+), new-with-old ([0-9a-f]+)")
            .matcher(done.get("result").asString());
    assertThat(m.find()).as(done.toString()).isTrue();
    List<String> serials = List.of(m.group(1), m.group(2), m.group(3));
    X509Certificate selfSigned =
        Pkcs12Files.x509(get(RepositoryUrls.certificatePath("osca", serials.get(0))));
    selfSigned.verify(g3);
    assertThat(selfSigned.getPublicKey()).isEqualTo(g3);
    X509Certificate oldWithNew =
        Pkcs12Files.x509(get(RepositoryUrls.certificatePath("osca", serials.get(1))));
    oldWithNew.verify(g3); // the old key, certified by the new one
    assertThat(oldWithNew.getPublicKey()).isEqualTo(g2);
    X509Certificate newWithOld =
        Pkcs12Files.x509(get(RepositoryUrls.certificatePath("osca", serials.get(2))));
    newWithOld.verify(g2); // the new key, certified by the old one
    assertThat(newWithOld.getPublicKey()).isEqualTo(g3);
    // The caIssuers bundle of osca serves the new certificates once the snapshot has them.
    Await.until(
        "osca.p7c holds both links",
        () -> {
          List<BigInteger> bundled = new ArrayList<>();
          for (Object h :
              new org.bouncycastle.cms.CMSSignedData(get(RepositoryUrls.caIssuersPath("osca")))
                  .getCertificates()
                  .getMatches(null)) {
            bundled.add(((org.bouncycastle.cert.X509CertificateHolder) h).getSerialNumber());
          }
          return bundled;
        },
        bundled ->
            bundled.containsAll(
                List.of(newWithOld.getSerialNumber(), oldWithNew.getSerialNumber())),
        WAIT);
    assertThat(serials).hasSize(3);
    assertThat(done.get("result").asString()).contains(serials.toArray(String[]::new));
    long before = count("SELECT count(*) FROM certificate WHERE issuer_ca_id = 'osca'");
    OperatorApproval executed = stores.approvals().approval(id).block(WAIT);
    executor
        .execute(executed)
        .block(WAIT); // a repeated run (as after a crash before the result committed)
    assertThat(count("SELECT count(*) FROM certificate WHERE issuer_ca_id = 'osca'"))
        .isEqualTo(before);
    assertThat(count("SELECT count(*) FROM ca_key WHERE ca_id = 'osca'")).isEqualTo(3);
  }

  @Test
  @Order(3)
  void activationSwitchesTheSigningKeyOnlyAfterApproval() throws Exception {
    String k = "ka-" + UUID.randomUUID();
    String id = askAndApprove(action("CA_KEY_ACTIVATE", k, "osca").put("keyGeneration", 3));
    awaitExecuted(id);
    assertThat(store.cas().ca("osca").block(WAIT).currentGeneration()).isEqualTo(3);
    String k2 = "ka-" + UUID.randomUUID();
    LraClient.Answer unknown =
        senior1.post(
            ApprovalHandler.APPROVALS,
            k2,
            action("CA_KEY_ACTIVATE", k2, "osca").put("keyGeneration", 9).toString());
    assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
  }

  @Test
  @Order(4)
  void anUnapprovedRequestExpires() throws Exception {
    String k = "ex-" + UUID.randomUUID();
    String id =
        json(senior1.post(
                ApprovalHandler.APPROVALS, k, action("CA_KEY_GENERATE", k, "isca").toString()))
            .get("id")
            .asString();
    Await.pause(Duration.ofMillis(6500)); // past the request's expiry
    LraClient.Answer late =
        senior2.post(
            ApprovalHandler.APPROVALS + "/" + id + "/approve",
            "ap-" + UUID.randomUUID(),
            JSON.createObjectNode().put("approve", id).put("idempotencyKey", "x").toString());
    assertThat(late.status()).as(late.body()).isEqualTo(409);
    assertThat(json(senior2.get(ApprovalHandler.APPROVALS + "/" + id)).get("state").asString())
        .isEqualTo("EXPIRED");
    assertThat(count("SELECT count(*) FROM ca_key WHERE ca_id = 'isca'")).isEqualTo(1);
  }

  @Test
  @Order(5)
  void aCrossCertificateIsPublishedInThePairAndValidatesWithItsConstraints() throws Exception {
    byte[] lgpki = get(RepositoryUrls.caCertificatePath("lgpki-demo"));
    String k = "xc-" + UUID.randomUUID();
    ObjectNode body =
        action("CROSS_CERTIFICATE_ISSUE", k, "bca")
            .put("subjectCertificate", java.util.Base64.getEncoder().encodeToString(lgpki))
            .put("pathLength", 0)
            .put("validityDays", 400);
    body.putArray("policies").add(DemoPki.BCA_POLICY);
    body.putArray("policyMappings")
        .addObject()
        .put("issuerDomainPolicy", DemoPki.BCA_POLICY)
        .put("subjectDomainPolicy", DemoPki.LGPKI_POLICY);
    body.putArray("permittedSubtrees").add("O=LGPKI Demo,C=JP");
    String id = askAndApprove(body);
    String result = awaitExecuted(id).get("result").asString();
    crossSerial = result.replaceAll("^cross-certificate bca/([0-9a-f]+) to lgpki-demo.*$", "$1");
    assertThat(crossSerial).matches("[0-9a-f]+");

    CertificatePair pair =
        Await.until(
            "the pair serves the new cross-certificate",
            () ->
                CertificatePair.getInstance(
                    org.bouncycastle.asn1.ASN1Primitive.fromByteArray(
                        get(RepositoryUrls.crossPairPath("bca-lgpki-demo")))),
            p ->
                p.getReverse() != null
                    && p.getReverse()
                        .getSerialNumber()
                        .getValue()
                        .equals(new BigInteger(crossSerial, 16)),
            WAIT);
    assertThat(pair.getForward()).as("the other direction is kept").isNotNull();
    X509Certificate cross = Pkcs12Files.x509(pair.getReverse().getEncoded());
    assertThat(cross.getExtensionValue("2.5.29.30")).as("name constraints").isNotNull();
    assertThat(cross.getBasicConstraints()).isZero();
    byte[] ee;
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT der FROM certificate WHERE issuer_ca_id = 'lgpki-demo' AND label = 'demo: valid'")) {
      rs.next();
      ee = rs.getBytes(1);
    }
    Path dir = Files.createTempDirectory(dataDir, "cross");
    Path anchor =
        OpenSsl.pem(
            dir.resolve("bca.pem"),
            "CERTIFICATE",
            List.of(get(RepositoryUrls.caCertificatePath("bca"))));
    Path untrusted =
        OpenSsl.pem(dir.resolve("cross.pem"), "CERTIFICATE", List.of(cross.getEncoded()));
    Path leaf = OpenSsl.pem(dir.resolve("ee.pem"), "CERTIFICATE", List.of(ee));
    OpenSsl.Result verified =
        OpenSsl.run(
            List.of(
                "verify",
                "-x509_strict",
                "-policy_check",
                "-explicit_policy",
                "-policy",
                DemoPki.BCA_POLICY,
                "-CAfile",
                anchor.toString(),
                "-untrusted",
                untrusted.toString(),
                leaf.toString()));
    assertThat(verified.exitCode()).as(verified.output()).isZero();
    assertThat(verified.output()).contains(": OK");
  }

  @Test
  @Order(6)
  void aRevokedCrossCertificateAppearsInTheBridgesArl() throws Exception {
    assertThat(crossSerial).isNotNull();
    String k = "xr-" + UUID.randomUUID();
    LraClient.Answer notCross =
        senior1.post(
            ApprovalHandler.APPROVALS,
            k,
            action("CROSS_CERTIFICATE_REVOKE", k, "bca")
                .put("serial", "123456789abcdef")
                .put("reason", 5)
                .toString());
    assertThat(notCross.status()).as(notCross.body()).isEqualTo(404);
    String k2 = "xr-" + UUID.randomUUID();
    askAndApprove(
        action("CROSS_CERTIFICATE_REVOKE", k2, "bca").put("serial", crossSerial).put("reason", 5));
    Await.until(
        "bca's ARL lists the cross-certificate",
        () -> new X509CRLHolder(get(RepositoryUrls.listPath("bca", CrlScope.ARL))),
        arl -> arl.getRevokedCertificate(new BigInteger(crossSerial, 16)) != null,
        WAIT);
  }

  @Test
  @Order(7)
  void everyStepIsInTheAuditLog() throws Exception {
    assertThat(
            count(
                "SELECT count(*) FROM audit_log WHERE type = 'SIGNATURE' AND outcome = 'STARTED'"
                    + " AND source = 'operations'"))
        .isGreaterThanOrEqualTo(2);
    assertThat(
            count(
                "SELECT count(*) FROM audit_log WHERE type = 'APPROVAL' AND outcome = 'EXECUTED'"))
        .isGreaterThanOrEqualTo(3);
    assertThat(
            count(
                "SELECT count(*) FROM audit_log WHERE type = 'APPROVAL' AND outcome = 'REJECTED'"
                    + " AND detail LIKE 'action: FAILOVER%'"))
        .isEqualTo(1);
  }

  private static PublicKey publicKey(CaKeyRecord k) throws Exception {
    return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(k.publicKey()));
  }

  /**
   * Last: a switchover (failback) requested with the DR command line and approved by another
   * operator; the executor demotes this master: it signs nothing more, writes are refused, and the
   * demotion token is on record for the target (the target's side runs in FailbackIT).
   */
  @Test
  @Order(100)
  void anApprovedSwitchoverStopsThisMasterAndRecordsTheDemotionToken() throws Exception {
    Path dir = dataDir.resolve("demo-lra");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    String self = "sw-" + UUID.randomUUID();
    assertThat(
            senior1
                .post(
                    ApprovalHandler.APPROVALS,
                    self,
                    JSON.createObjectNode()
                        .put("action", "SWITCHOVER")
                        .put("idempotencyKey", self)
                        .put("target", "center-1")
                        .put("reason", "to itself")
                        .toString())
                .status())
        .as("no switchover to itself")
        .isEqualTo(400);
    int code =
        DrCli.run(
            new String[] {
              "switchover",
              "--url",
              "https://localhost:" + listener.port(),
              "--p12",
              dir.resolve("ca-senior-1.p12").toString(),
              "--trust",
              dir.resolve("trust-osca.pem").toString(),
              "--target",
              "tokyo",
              "--reason",
              "tokyo restored and caught up"
            },
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    String answer = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(code).as(answer + err).isZero();
    JsonNode asked = JSON.readTree(answer.substring(4));
    String id = asked.get("id").asString();
    assertThat(asked.get("target").asString()).isEqualTo("center-1/epoch-1/switchover-to-tokyo");
    String path = ApprovalHandler.APPROVALS + "/" + id + "/approve";
    String approve =
        JSON.createObjectNode().put("approve", id).put("idempotencyKey", "ap-" + id).toString();
    LraClient.Answer ok = senior2.post(path, "ap-" + UUID.randomUUID(), approve);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    Await.await(
        "the master demoted",
        () -> {
          try {
            return count("SELECT count(*) FROM center_state WHERE role = 'BACKUP'") == 1;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        WAIT);
    assertThat(
            count(
                "SELECT count(*) FROM epoch_history WHERE epoch = 1 AND handed_to = 'tokyo'"
                    + " AND handover_approval = '"
                    + id
                    + "' AND handover_requested_by = 'ca-senior-1'"
                    + " AND handover_approved_by = 'ca-senior-2'"
                    + " AND ended_seq = (SELECT last_seq FROM change_log_head)"))
        .isEqualTo(1);
    // Nothing is written after the token: a write here is refused.
    String k = "after-" + UUID.randomUUID();
    LraClient.Answer refused =
        senior1.post(
            ApprovalHandler.APPROVALS,
            k,
            action("CA_KEY_GENERATE", k, "osca").put("keySpec", "EC-P256").toString());
    assertThat(refused.status()).as(refused.body()).isIn(409, 503);
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
