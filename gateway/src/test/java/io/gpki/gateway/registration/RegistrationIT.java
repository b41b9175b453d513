package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.OperatorRecord;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.Revocation;
import io.gpki.sync.testing.Await;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * LRA registration end to end over the mutual-TLS listener: signed issue and revoke, idempotency,
 * bad input, authentication failures, duplicate name and key, the CRL after a revocation.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.registration.port=0",
      "gpki.crl.period=1h",
      "gpki.crl.validity=2h",
      "gpki.crl.revocation-publish-delay=200ms",
      "gpki.operations.audit-seal-interval=1s"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired RegistrationStores stores;
  @Autowired CaEngine engine;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;
  @Autowired Enrolment enrolment;
  LraClient op1;
  LraClient op2;
  WebTestClient http;

  @BeforeAll
  void ready() throws Exception {
    http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(120));
    GatewayTestSupport.awaitPort("the LRA listener", listener::port, Duration.ofSeconds(120));
    op1 = LraTestKit.client(dataDir, "lra-operator-1", listener.port());
    op2 = LraTestKit.client(dataDir, "lra-operator-2", listener.port());
  }

  private JsonNode submit(LraClient c, String key, String json, int expected) throws Exception {
    LraClient.Answer a = c.post(LraHandler.REQUESTS, key, json);
    assertThat(a.status()).as(a.body()).isEqualTo(expected);
    return LraTestKit.json(a);
  }

  private static String key() {
    return "it-" + UUID.randomUUID();
  }

  @Test
  void issueThenRevokeCompletesAndTheCrlListsTheRevocation() throws Exception {
    String k = key();
    JsonNode accepted = submit(op1, k, LraTestKit.issueJson(k, "Hanako Issue"), 202);
    JsonNode done = LraTestKit.awaitFinal(op1, accepted.get("id").asString(), WAIT);
    assertThat(done.get("state").asString()).isEqualTo("DONE");
    var cert = Pkcs12Files.x509(Base64.getDecoder().decode(done.get("certificate").asString()));
    assertThat(cert.getSubjectX500Principal().getName())
        .startsWith("CN=Hanako Issue,OU=Ministry of Demo Affairs");
    assertThat(cert.getSerialNumber().toString(16)).isEqualTo(done.get("serial").asString());

    String rk = key();
    JsonNode revoke =
        submit(op1, rk, LraClient.revokeJson(rk, done.get("serial").asString(), 1), 202);
    Instant accepted2 = Instant.now();
    assertThat(
            LraTestKit.awaitFinal(op1, revoke.get("id").asString(), WAIT).get("state").asString())
        .isEqualTo("DONE");
    BigInteger serial = cert.getSerialNumber();
    Await.until(
        "the CRL lists the revocation",
        () ->
            new X509CRLHolder(
                http.get()
                    .uri("/repository/crl/osca.crl")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(byte[].class)
                    .returnResult()
                    .getResponseBody()),
        crl -> crl.getRevokedCertificate(serial) != null,
        WAIT);
    assertThat(Duration.between(accepted2, Instant.now())).isLessThan(Duration.ofSeconds(10));
    // The time from the revocation's acceptance to the list that contains it is a metric.
    var publication = meters.find("gpki.revocation.publication").tag("scope", "crl").timer();
    assertThat(publication).isNotNull();
    assertThat(publication.count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aRepeatReturnsTheFirstAnswerAndAReusedKeyWithOtherContentConflicts() throws Exception {
    String k = key();
    String json = LraTestKit.issueJson(k, "Repeat Person");
    byte[] signed = op1.sign(json);
    LraClient.Answer first = op1.postSigned(LraHandler.REQUESTS, k, signed);
    LraClient.Answer replay = op1.postSigned(LraHandler.REQUESTS, k, signed);
    assertThat(first.status()).isEqualTo(202);
    assertThat(replay.status()).isEqualTo(202);
    assertThat(LraTestKit.json(replay).get("id")).isEqualTo(LraTestKit.json(first).get("id"));
    LraTestKit.awaitFinal(op1, LraTestKit.json(first).get("id").asString(), WAIT);
    assertThat(op1.postSigned(LraHandler.REQUESTS, k, signed).body()).isEqualTo(first.body());
    submit(op1, k, LraTestKit.issueJson(k, "Someone Else"), 409);
  }

  @Test
  void badInputIsRefusedBeforeAcceptanceNamingTheField() throws Exception {
    String k = key();
    assertProblem(
        op1.post(
            LraHandler.REQUESTS,
            k,
            LraClient.issueJson(
                k, "OFFICIAL_SIGNING", "not a csr".getBytes(StandardCharsets.UTF_8), List.of())),
        400,
        "csr:");
    byte[] csr = LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject("Broken Pop"));
    csr[csr.length - 3] ^= 0x55; // break the signature: no proof of possession
    assertProblem(
        op1.post(
            LraHandler.REQUESTS, k, LraClient.issueJson(k, "OFFICIAL_SIGNING", csr, List.of())),
        400,
        "csr:");
    assertProblem(
        op1.post(
            LraHandler.REQUESTS,
            k,
            LraClient.issueJson(
                k,
                "SERVER_TLS",
                LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject("Web")),
                List.of())),
        400,
        "profile:");
    assertProblem(
        op1.post(
            LraHandler.REQUESTS,
            k,
            LraClient.issueJson(
                k,
                "OFFICIAL_SIGNING",
                LraClient.csr(
                    LraClient.ecKeyPair(),
                    new org.bouncycastle.asn1.x500.X500Name("C=JP,O=Elsewhere,CN=X")),
                List.of())),
        400,
        "csr: subject");
    assertProblem(
        op1.post(
            LraHandler.REQUESTS,
            k,
            LraClient.issueJson(
                k,
                "OFFICIAL_SIGNING",
                LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject("San")),
                List.of("dns:evil.example"))),
        400,
        "subjectAltNames:");
    assertProblem(
        op1.post(LraHandler.REQUESTS, "other-key-1", LraTestKit.issueJson(k, "Key Mismatch")),
        400,
        "Idempotency-Key:");
    assertProblem(
        op1.postSigned(LraHandler.REQUESTS, k, "not cms".getBytes(StandardCharsets.UTF_8)),
        400,
        "body:");
    assertProblem(op1.postSigned(LraHandler.REQUESTS, k, new byte[200_000]), 413, "body:");
    assertProblem(op1.post(LraHandler.REQUESTS, k, "{\"type\":\"issue\"}"), 400, "idempotencyKey:");
    String stale =
        LraTestKit.issueJson(k, "Stale")
            .replaceAll("\"signedAt\":\"[^\"]+\"", "\"signedAt\":\"2020-01-01T00:00:00Z\"");
    assertProblem(op1.post(LraHandler.REQUESTS, k, stale), 400, "signedAt:");
    assertProblem(
        op1.post(LraHandler.REQUESTS, k, LraClient.revokeJson(k, "123456789abcdef", 1)),
        404,
        "serial:");
    assertProblem(
        op1.post(LraHandler.REQUESTS, k, LraClient.revokeJson(k, "12", 2)), 400, "reason:");
    // none of these reached the journal
    assertThat(stores.journal().findByKey(DemoLra.LRA_ID, k).blockOptional(WAIT)).isEmpty();
  }

  private static void assertProblem(LraClient.Answer a, int status, String detailPrefix) {
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(LraTestKit.json(a).get("detail").asString()).as(a.body()).startsWith(detailPrefix);
  }

  @Test
  void aRequestSignedByAnotherKeyThanTheTlsClientsIsRefused() throws Exception {
    String k = key();
    byte[] signedByOp2 = op2.sign(LraTestKit.issueJson(k, "Wrong Signer"));
    assertProblem(op1.postSigned(LraHandler.REQUESTS, k, signedByOp2), 403, "authentication:");
  }

  @Test
  void unregisteredRevokedAndForeignClientCertificatesAreRefused() throws Exception {
    Path trust = dataDir.resolve("demo-lra/trust-osca.pem");
    URI base = URI.create("https://localhost:" + listener.port());
    // issued by osca but not registered as an operator
    Pkcs12Files.Credential stranger =
        enrolment
            .enrol(
                "osca",
                LraTestKit.subject("Stranger"),
                CertificateProfile.CLIENT_TLS,
                List.of(),
                Duration.ofDays(1))
            .block(WAIT);
    LraClient strangerClient = new LraClient(base, stranger, LraClient.trust(trust));
    String k = key();
    assertProblem(
        strangerClient.post(LraHandler.REQUESTS, k, LraTestKit.issueJson(k, "By Stranger")),
        403,
        "authentication: certificate of no registered operator");

    // registered, then its certificate revoked
    Pkcs12Files.Credential revoked =
        enrolment
            .enrol(
                "osca",
                LraTestKit.subject("Soon Revoked Operator"),
                CertificateProfile.CLIENT_TLS,
                List.of(),
                Duration.ofDays(1))
            .block(WAIT);
    byte[] der = revoked.certificate().getEncoded();
    String serial = revoked.certificate().getSerialNumber().toString(16);
    stores
        .lras()
        .registerOperator(
            new OperatorRecord(
                "it-revoked",
                DemoLra.LRA_ID,
                "to be revoked",
                List.of("LRA_OPERATOR"),
                io.gpki.gateway.ca.Certificates.digest("SHA-256", der),
                "osca",
                serial,
                true,
                Instant.now()),
            new AuditEvent("OPERATOR_REGISTERED", "test", "test", "it-revoked", "DONE", ""))
        .block(WAIT);
    LraClient revokedClient = new LraClient(base, revoked, LraClient.trust(trust));
    String k2 = key();
    submit(revokedClient, k2, LraTestKit.issueJson(k2, "Before Revocation"), 202);
    engine.revoke("osca", serial, new Revocation(Instant.now(), 1, null)).block(WAIT);
    String k3 = key();
    assertProblem(
        revokedClient.post(LraHandler.REQUESTS, k3, LraTestKit.issueJson(k3, "After Revocation")),
        403,
        "authentication: operator certificate revoked");

    // The registry points at another, unrevoked certificate (stale registration data), so the
    // direct
    // checks pass; the validation engine still sees the client certificate itself revoked on the
    // CRL.
    Pkcs12Files.Credential other =
        enrolment
            .enrol(
                "osca",
                LraTestKit.subject("Registry Mix-up Other"),
                CertificateProfile.CLIENT_TLS,
                List.of(),
                Duration.ofDays(1))
            .block(WAIT);
    Pkcs12Files.Credential mixed =
        enrolment
            .enrol(
                "osca",
                LraTestKit.subject("Registry Mix-up Operator"),
                CertificateProfile.CLIENT_TLS,
                List.of(),
                Duration.ofDays(1))
            .block(WAIT);
    engine
        .revoke(
            "osca",
            mixed.certificate().getSerialNumber().toString(16),
            new Revocation(Instant.now(), 1, null))
        .block(WAIT);
    stores
        .lras()
        .registerOperator(
            new OperatorRecord(
                "it-mixed",
                DemoLra.LRA_ID,
                "registry mix-up",
                List.of("LRA_OPERATOR"),
                io.gpki.gateway.ca.Certificates.digest("SHA-256", mixed.certificate().getEncoded()),
                "osca",
                other.certificate().getSerialNumber().toString(16),
                true,
                Instant.now()),
            new AuditEvent("OPERATOR_REGISTERED", "test", "test", "it-mixed", "DONE", ""))
        .block(WAIT);
    LraClient mixedClient = new LraClient(base, mixed, LraClient.trust(trust));
    // Refused once the repository view has the CRL that lists the revocation.
    LraClient.Answer refused =
        Await.until(
            "the revoked operator refused",
            () -> {
              String k4 = key();
              return mixedClient.post(
                  LraHandler.REQUESTS, k4, LraTestKit.issueJson(k4, "Mixed Up"));
            },
            answer -> answer.status() == 403,
            WAIT);
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("client certificate does not validate: INVALID REVOKED");

    // a self-signed client certificate: the TLS handshake itself fails
    KeyPair kp = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();
    var selfSigned =
        new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                new javax.security.auth.x500.X500Principal("CN=Foreign"),
                BigInteger.TEN,
                new java.util.Date(),
                new java.util.Date(System.currentTimeMillis() + 86_400_000L),
                new javax.security.auth.x500.X500Principal("CN=Foreign"),
                kp.getPublic())
            .build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA")
                    .build(kp.getPrivate()));
    LraClient foreign =
        new LraClient(
            base,
            new Pkcs12Files.Credential(
                kp.getPrivate(),
                new java.security.cert.X509Certificate[] {
                  new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                      .getCertificate(selfSigned)
                }),
            LraClient.trust(trust));
    assertThatThrownBy(() -> foreign.get(LraHandler.REQUESTS + "/x"))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aDuplicateNameIsRejectedAndADuplicateKeyRevokesItsHolder() throws Exception {
    String k1 = key();
    KeyPair shared = LraClient.ecKeyPair();
    JsonNode first =
        LraTestKit.awaitFinal(
            op1,
            submit(op1, k1, LraTestKit.issueJson(k1, shared, "Dup Name"), 202).get("id").asString(),
            WAIT);
    assertThat(first.get("state").asString()).isEqualTo("DONE");
    String k2 = key();
    JsonNode sameName =
        LraTestKit.awaitFinal(
            op1,
            submit(op1, k2, LraTestKit.issueJson(k2, "Dup Name"), 202).get("id").asString(),
            WAIT);
    assertThat(sameName.get("state").asString()).isEqualTo("REJECTED");
    assertThat(sameName.get("error").asString()).startsWith("duplicate subject name");
    String k3 = key();
    JsonNode sameKey =
        LraTestKit.awaitFinal(
            op1,
            submit(op1, k3, LraTestKit.issueJson(k3, shared, "Other Name Same Key"), 202)
                .get("id")
                .asString(),
            WAIT);
    assertThat(sameKey.get("state").asString()).isEqualTo("REJECTED");
    assertThat(sameKey.get("error").asString()).startsWith("duplicate public key");
    var holder =
        engine
            .revoke("osca", first.get("serial").asString(), new Revocation(Instant.now(), 0, null))
            .block(WAIT);
    assertThat(holder.revocation().reason())
        .as("the first revocation (keyCompromise) stays")
        .isEqualTo(1);
  }

  @Test
  void theFeedReportsCompletionsInCommitOrderAndExpiringCertificates() throws Exception {
    String k = key();
    JsonNode done =
        LraTestKit.awaitFinal(
            op1,
            submit(op1, k, LraTestKit.issueJson(k, "Feed Person"), 202).get("id").asString(),
            WAIT);
    String rk = key();
    String revokeId =
        submit(op1, rk, LraClient.revokeJson(rk, done.get("serial").asString(), 4), 202)
            .get("id")
            .asString();
    LraTestKit.awaitFinal(op1, revokeId, WAIT);
    JsonNode feed =
        LraTestKit.json(op2.get(LraFeedHandler.FEED + "?after=0&limit=1000&expiringDays=800"));
    List<String> events = new java.util.ArrayList<>();
    long last = 0;
    for (JsonNode e : feed.get("events")) {
      assertThat(e.get("seq").asLong()).isGreaterThan(last);
      last = e.get("seq").asLong();
      events.add(e.get("event").asString() + ":" + e.get("request").asString());
    }
    assertThat(events).contains("issued:" + done.get("id").asString(), "revoked:" + revokeId);
    assertThat(feed.get("next").asLong()).isEqualTo(last);
    JsonNode rest = LraTestKit.json(op1.get(LraFeedHandler.FEED + "?after=" + last));
    assertThat(rest.get("next").asLong()).isEqualTo(last);
    assertThat(feed.get("expiring").toString())
        .doesNotContain(done.get("serial").asString()); // revoked
    assertThat(feed.get("expiring").size()).isPositive();
    assertThat(LraTestKit.json(op1.get(LraFeedHandler.FEED + "?expiringDays=1")).get("expiring"))
        .isEmpty();
    assertProblem(op1.get(LraFeedHandler.FEED + "?limit=0"), 400, "limit:");
  }

  @Test
  void statusIsOnlyVisibleToTheOwningLra() throws Exception {
    String k = key();
    String id = submit(op1, k, LraTestKit.issueJson(k, "Visible"), 202).get("id").asString();
    assertThat(op2.get(LraHandler.REQUESTS + "/" + id).status()).isEqualTo(200); // same LRA
    assertThat(op1.get(LraHandler.REQUESTS + "/" + UUID.randomUUID()).status()).isEqualTo(404);
  }

  @Test
  void theDemoDocumentListsCredentialsWrittenOwnerOnly() throws Exception {
    byte[] body =
        http.get()
            .uri(DemoLraEndpoint.PATH)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    JsonNode demo = LraTestKit.JSON.readTree(body);
    assertThat(demo.get("operators")).hasSize(4);
    for (JsonNode op : demo.get("operators")) {
      for (String f : List.of("pkcs12", "passwordFile")) {
        Path p = Path.of(op.get(f).asString());
        assertThat(Files.getPosixFilePermissions(p))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      }
    }
    assertThat(demo.toString())
        .doesNotContain(
            Files.readString(Path.of(demo.get("operators").get(0).get("passwordFile").asString()))
                .strip());

    // The repository index's demo section names the same document and credential files.
    JsonNode index =
        LraTestKit.JSON.readTree(
            http.get()
                .uri("/repository")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(byte[].class)
                .returnResult()
                .getResponseBody());
    JsonNode lra = index.get("demo").get("lra");
    assertThat(lra.get("document").asString()).endsWith(DemoLraEndpoint.PATH);
    assertThat(lra.get("trustAnchors").asString()).isEqualTo(demo.get("trustAnchors").asString());
    assertThat(lra.get("operators")).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(lra.get("operators").get(i).get("pkcs12").asString())
          .isEqualTo(demo.get("operators").get(i).get("pkcs12").asString());
    }
  }
}
