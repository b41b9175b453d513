package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.sync.testing.Await;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The validation API end to end on the demo bridge PKI, and interop: for valid, revoked, expired
 * and wrong-policy certificates our verdict equals that of {@code openssl verify} and of the JDK's
 * own PKIX {@code CertPathValidator} (same anchor, same path, same CRLs, same policy inputs).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.validation.trust-anchors=osca,isca",
      "gpki.validation.max-request-bytes=65536",
      "gpki.validation.credentials.signing=true",
      "gpki.validation.test-center=true",
      // One slot and one place in the queue, with a queue timeout no test reaches: a 503 below is
      // the at-once answer of a full limit, not a timed-out wait.
      "gpki.validation.admission.max-concurrent=1",
      "gpki.validation.admission.max-queue=1",
      "gpki.validation.admission.queue-timeout=60s"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidationIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ANY = "2.5.29.32.0";
  static int tlsPort;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws java.io.IOException {
    GatewayTestSupport.register(registry);
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      tlsPort = s.getLocalPort();
    }
    registry.add("gpki.validation.credentials.tls-port", () -> tlsPort);
  }

  @LocalServerPort int port;
  @Autowired MeterRegistry meters;
  @Autowired ValidationAdmission admission;
  WebTestClient client;
  JsonNode index;
  final Map<String, byte[]> caCertsBySha = new HashMap<>();

  @BeforeAll
  void ready() throws Exception {
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));
    index = JSON.readTree(get("/repository"));
    for (JsonNode ca : index.get("cas")) {
      for (JsonNode c : ca.get("certificates")) {
        byte[] der = get(c.get("url").asString());
        caCertsBySha.put(Cert.sha256Hex(der), der);
      }
    }
  }

  private byte[] get(String url) {
    return client
        .get()
        .uri(url.replaceFirst("^https?://[^/]+", ""))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  private JsonNode ca(String id) {
    for (JsonNode ca : index.get("cas")) {
      if (ca.get("id").asString().equals(id)) {
        return ca;
      }
    }
    throw new AssertionError(id);
  }

  private byte[] demo(String issuer, String status) {
    for (JsonNode e : index.get("demo").get("endEntities")) {
      if (e.get("issuerCa").asString().equals(issuer)
          && e.get("expectedStatus").asString().equals(status)) {
        return get(e.get("url").asString());
      }
    }
    throw new AssertionError(issuer + " " + status);
  }

  private JsonNode post(ObjectNode body, int status) {
    byte[] out =
        client
            .post()
            .uri("/api/v1/validations")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(JSON.writeValueAsBytes(body))
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    return JSON.readTree(out);
  }

  private static ObjectNode request(byte[] cert) {
    return JSON.createObjectNode().put("certificate", Base64.getEncoder().encodeToString(cert));
  }

  @Test
  void overTheAdmissionLimitEveryVariantIs503AtOnceTheAdmittedOneCompletesAndTheRepositoryAnswers()
      throws Exception {
    byte[] ee = demo("private-demo", "VALID");
    byte[] json = JSON.writeValueAsBytes(request(ee));
    byte[] batch =
        JSON.writeValueAsBytes(
            JSON.createObjectNode().set("items", JSON.createArrayNode().add(request(ee))));
    double shedBefore = admissionCount("shed");
    double admittedBefore = admissionCount("admitted");
    // The test holds the one slot; a real request takes the one place in the queue.
    assertThat(admission.gate().acquire().block(Duration.ofSeconds(5))).isTrue();
    java.util.concurrent.CompletableFuture<String> queued;
    try {
      queued =
          org.springframework.web.reactive.function.client.WebClient.create(
                  "http://localhost:" + port)
              .post()
              .uri("/api/v1/validations")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(json)
              .exchangeToMono(
                  r -> r.bodyToMono(String.class).map(b -> r.statusCode().value() + " " + b))
              .toFuture();
      Await.await(
          "the request waits for a slot",
          () -> admission.gate().queued() == 1,
          Duration.ofSeconds(30));
      // Full: JSON (fast path), DER and batch (WebFlux handler) are shed with 503 at once.
      shed(MediaType.APPLICATION_JSON, "/api/v1/validations", json);
      shed(MediaType.parseMediaType("application/pkix-cert"), "/api/v1/validations", ee);
      shed(MediaType.APPLICATION_JSON, "/api/v1/validations/batch", batch);
      // The neighbours on the same port and event loops still answer.
      client.get().uri("/repository").exchange().expectStatus().isOk();
      client.get().uri("/repository/crl/osca.crl").exchange().expectStatus().isOk();
      assertThat(queued).isNotDone();
    } finally {
      admission.gate().release();
    }
    // The slot passes to the waiting request, which completes with its verdict.
    String answer = queued.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(answer).startsWith("200 ").contains("\"status\":\"VALID\"");
    assertThat(admissionCount("shed") - shedBefore).isEqualTo(3);
    assertThat(admissionCount("admitted") - admittedBefore).isGreaterThanOrEqualTo(1);
  }

  private void shed(MediaType type, String path, byte[] body) {
    client
        .post()
        .uri(path)
        .contentType(type)
        .bodyValue(body)
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectHeader()
        .valueEquals("Retry-After", "1")
        .expectHeader()
        .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("urn:gpki:problem:service-unavailable")
        .jsonPath("$.status")
        .isEqualTo(503)
        .jsonPath("$.detail")
        .isEqualTo(ValidationAdmission.BUSY_DETAIL)
        .jsonPath("$.instance")
        .isEqualTo(path);
  }

  private double admissionCount(String outcome) {
    return meters.get("gpki.validation.admission").tag("outcome", outcome).counter().count();
  }

  @Test
  void validatesTheBridgePathWithCrlEvidenceAndThePolicyInTheAnchorsDomain() {
    JsonNode r = withOwnOcsp(request(demo("private-demo", "VALID")));
    assertThat(r.get("status").asString()).isEqualTo("VALID");
    assertThat(r.get("reasons")).isEmpty();
    assertThat(r.get("trustAnchor").asString()).isEqualTo("osca");
    List<String> subjects = new ArrayList<>();
    r.get("path").forEach(p -> subjects.add(p.get("subject").asString()));
    assertThat(subjects).hasSize(4);
    assertThat(subjects.get(0)).contains("Hanako Demo");
    assertThat(subjects.get(1)).contains("Private Demo CA");
    assertThat(subjects.get(2)).contains("OU=BridgeCA");
    assertThat(subjects.get(3)).contains("OU=OSCA");
    assertThat(r.get("path").get(0).get("source").asString()).isEqualTo("TARGET");
    assertThat(r.get("path").get(1).get("source").asString()).isEqualTo("REPOSITORY");
    assertThat(r.get("path").get(3).get("source").asString()).isEqualTo("TRUST_ANCHOR");
    assertThat(r.get("validPolicies").get(0).asString()).isEqualTo(DemoPki.OSCA_POLICY);
    List<String> locations = new ArrayList<>();
    r.get("revocation")
        .forEach(
            e -> {
              locations.add(e.get("location").asString());
              if (e.get("kind").asString().equals("CRL")) {
                assertThat(e.get("crlNumber").asString()).isNotEmpty();
              }
              assertThat(e.get("nextUpdate").asString()).isNotEmpty();
            });
    // CAs on the path: their ARLs; the end entity: its CRL and our own responder's pre-signed
    // answer.
    assertThat(locations)
        .containsExactlyInAnyOrder(
            "local:/repository/arl/osca.crl",
            "local:/repository/arl/bca.crl",
            "local:/repository/crl/private-demo.crl",
            "ocsp:local");
    JsonNode ocsp = ownOcspEvidence(r);
    assertThat(ocsp.get("kind").asString()).isEqualTo("OCSP");
    assertThat(ocsp.get("certificateSerial").asString())
        .isEqualTo(r.get("path").get(0).get("serial").asString());
    assertThat(ocsp.get("issuer").asString()).contains("OCSP Responder private-demo");
    assertThat(ocsp.get("producedAt").asString()).isNotEmpty();
    assertThat(ocsp.get("thisUpdate").asString()).isNotEmpty();
    assertThat(ocsp.get("responderCertificate").asString()).hasSize(64);
    assertThat(ocsp.has("crlNumber")).isFalse();
  }

  /**
   * The verdict for {@code body} once our responder has pre-signed the end entity's answer (it
   * starts with the server and signs its first round shortly after).
   */
  private JsonNode withOwnOcsp(ObjectNode body) {
    return Await.until(
        "our responder's pre-signed answer in the verdict",
        () -> post(body, 200),
        r -> ownOcspEvidenceOrNull(r) != null,
        Duration.ofSeconds(60));
  }

  private static JsonNode ownOcspEvidenceOrNull(JsonNode r) {
    for (JsonNode e : r.get("revocation")) {
      if (e.get("location").asString().equals("ocsp:local")) {
        return e;
      }
    }
    return null;
  }

  private static JsonNode ownOcspEvidence(JsonNode r) {
    JsonNode e = ownOcspEvidenceOrNull(r);
    assertThat(e).as("ocsp:local evidence in " + r).isNotNull();
    return e;
  }

  @Test
  void reportsRevokedWithReasonAndDateAndExpired() {
    JsonNode revoked = withOwnOcsp(request(demo("private-demo", "REVOKED")));
    assertThat(revoked.get("status").asString()).isEqualTo("INVALID");
    JsonNode reason = revoked.get("reasons").get(0);
    assertThat(reason.get("code").asString()).isEqualTo("REVOKED");
    assertThat(reason.get("revocationReason").asString()).isEqualTo("keyCompromise");
    assertThat(reason.get("revocationDate").asString()).isNotEmpty();
    assertThat(reason.get("certificateIndex").asInt()).isZero();
    // CRL and responder agree; both are in the evidence.
    assertThat(ownOcspEvidence(revoked).get("kind").asString()).isEqualTo("OCSP");
    List<String> kinds = new ArrayList<>();
    revoked.get("revocation").forEach(e -> kinds.add(e.get("location").asString()));
    assertThat(kinds).contains("local:/repository/crl/private-demo.crl", "ocsp:local");
    JsonNode expired = post(request(demo("osca", "EXPIRED")), 200);
    assertThat(expired.get("reasons").get(0).get("code").asString()).isEqualTo("EXPIRED");
  }

  @Test
  void theFastPathAndTheWebFluxHandlerGiveTheSameVerdicts() {
    double before = fastAnswers();
    List<ObjectNode> requests =
        List.of(
            request(demo("private-demo", "VALID")),
            request(demo("private-demo", "REVOKED")),
            request(demo("osca", "EXPIRED")),
            request(demo("private-demo", "VALID"))
                .put("trustAnchor", "osca")
                .put("explicitPolicy", true));
    for (ObjectNode body : requests) {
      ObjectNode fast = (ObjectNode) post(body, 200);
      // "Connection: close" is never answered on the fast path: this one goes through WebFlux.
      byte[] out =
          client
              .post()
              .uri("/api/v1/validations")
              .contentType(MediaType.APPLICATION_JSON)
              .header("Connection", "close")
              .bodyValue(JSON.writeValueAsBytes(body))
              .exchange()
              .expectStatus()
              .isOk()
              .expectHeader()
              .valueEquals("Cache-Control", "no-store")
              .expectBody(byte[].class)
              .returnResult()
              .getResponseBody();
      ObjectNode slow = (ObjectNode) JSON.readTree(out);
      assertThat(fast.remove("validationTime")).isNotNull();
      assertThat(slow.remove("validationTime")).isNotNull();
      assertThat(fast).isEqualTo(slow);
    }
    // the four plain requests were answered on the fast path (its timer counts them)
    assertThat(fastAnswers() - before).isGreaterThanOrEqualTo(requests.size());
  }

  private double fastAnswers() {
    return meters.find("gpki.validation.fast").timers().stream().mapToDouble(t -> t.count()).sum();
  }

  @Test
  void takesPemDerBatchAndAnotherConfiguredAnchor() {
    byte[] der = demo("isca", "VALID");
    String pem =
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder().encodeToString(der)
            + "\n-----END CERTIFICATE-----\n";
    assertThat(
            post(JSON.createObjectNode().put("certificate", pem).put("trustAnchor", "isca"), 200)
                .get("status")
                .asString())
        .isEqualTo("VALID");
    assertThat(
            post(JSON.createObjectNode().put("certificate", pem), 200)
                .get("reasons")
                .get(0)
                .get("code")
                .asString())
        .as("isca is not cross-certified with the bridge")
        .isEqualTo("NO_PATH");
    byte[] body =
        client
            .post()
            .uri("/api/v1/validations?trustAnchor=osca")
            .contentType(MediaType.parseMediaType("application/pkix-cert"))
            .bodyValue(demo("lgpki-demo", "VALID"))
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentType(MediaType.APPLICATION_JSON)
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    assertThat(JSON.readTree(body).get("status").asString()).isEqualTo("VALID");
    ObjectNode batch = JSON.createObjectNode();
    var items = batch.putArray("items");
    items.add(request(demo("osca", "VALID")));
    items.add(request(demo("osca", "REVOKED")));
    items.add(JSON.createObjectNode().put("certificate", "not base64!"));
    byte[] out =
        client
            .post()
            .uri("/api/v1/validations/batch")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(JSON.writeValueAsBytes(batch))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    JsonNode results = JSON.readTree(out).get("results");
    assertThat(results.get(0).get("status").asString()).isEqualTo("VALID");
    assertThat(results.get(1).get("reasons").get(0).get("code").asString()).isEqualTo("REVOKED");
    assertThat(results.get(2).get("problem").get("status").asInt()).isEqualTo(400);
  }

  @Test
  void answersBadInputWithProblemDetails() {
    assertProblem(
        JSON.createObjectNode().put("trustAnchor", "osca"), 400, "certificate is required");
    assertProblem(
        request(demo("osca", "VALID")).put("trustAnchor", "nope"), 400, "unknown trust anchor");
    assertProblem(
        request(demo("osca", "VALID")).put("validationTime", "yesterday"), 400, "validationTime");
    assertProblem(JSON.createObjectNode().put("certificate", "AAAA"), 400, "certificate");
    assertProblem(request(new byte[60_000]), 413, "exceeds");
    client
        .post()
        .uri("/api/v1/validations")
        .contentType(MediaType.TEXT_PLAIN)
        .bodyValue("x")
        .exchange()
        .expectStatus()
        .isEqualTo(415)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    ObjectNode tc = request(demo("osca", "VALID"));
    tc.putObject("testCenter").putArray("trustAnchors").add("AAAA");
    assertProblem(tc, 400, "trustAnchors");
  }

  private void assertProblem(ObjectNode body, int status, String detail) {
    byte[] out =
        client
            .post()
            .uri("/api/v1/validations")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(JSON.writeValueAsBytes(body))
            .exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectHeader()
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    assertThat(JSON.readTree(out).get("detail").asString()).contains(detail);
  }

  @Test
  void signsVerdictsWithACertificateFromOscaAndServesHttpsWithAnother() throws Exception {
    JsonNode r = null;
    for (int i = 0; i < 100 && r == null; i++) {
      byte[] out =
          client
              .post()
              .uri("/api/v1/validations")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(JSON.writeValueAsBytes(request(demo("osca", "VALID")).put("sign", true)))
              .exchange()
              .expectBody(byte[].class)
              .returnResult()
              .getResponseBody();
      JsonNode n = JSON.readTree(out);
      if (n.has("jws")) {
        r = n;
      } else {
        Thread.sleep(300); // credentials are issued shortly after start-up
      }
    }
    assertThat(r).as("a signed verdict").isNotNull();
    String[] parts = r.get("jws").asString().split("\\.");
    assertThat(parts).hasSize(3);
    JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
    assertThat(header.get("alg").asString()).isEqualTo("RS256");
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate signer =
        (X509Certificate)
            cf.generateCertificate(
                new ByteArrayInputStream(
                    Base64.getDecoder().decode(header.get("x5c").get(0).asString())));
    X509Certificate osca =
        (X509Certificate)
            cf.generateCertificate(
                new ByteArrayInputStream(get(ca("osca").get("certificate").asString())));
    signer.verify(osca.getPublicKey());
    java.security.Signature sig = java.security.Signature.getInstance("SHA256withRSA");
    sig.initVerify(signer.getPublicKey());
    sig.update((parts[0] + "." + parts[1]).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(sig.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();
    JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    assertThat(payload.get("status").asString()).isEqualTo("VALID");
    assertThat(payload.has("jws")).isFalse();

    // HTTPS: trust only osca; the listener's certificate must chain to it and name localhost.
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("osca", osca);
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext tlsContext = javax.net.ssl.SSLContext.getInstance("TLS");
    tlsContext.init(null, tmf.getTrustManagers(), null);
    java.net.http.HttpClient https =
        java.net.http.HttpClient.newBuilder().sslContext(tlsContext).build();
    java.net.http.HttpRequest post =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("https://localhost:" + tlsPort + "/api/v1/validations"))
            .header("Content-Type", "application/json")
            .POST(
                java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                    JSON.writeValueAsBytes(request(demo("osca", "VALID")))))
            .timeout(Duration.ofSeconds(20))
            .build();
    java.net.http.HttpResponse<String> resp = null;
    for (int i = 0; i < 60 && resp == null; i++) {
      try {
        resp = https.send(post, java.net.http.HttpResponse.BodyHandlers.ofString());
      } catch (java.net.ConnectException notYetListening) {
        Thread.sleep(500);
      }
    }
    assertThat(resp).as("HTTPS listener up").isNotNull();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(resp.body()).get("status").asString()).isEqualTo("VALID");
    X509Certificate served =
        (X509Certificate) resp.sslSession().orElseThrow().getPeerCertificates()[0];
    served.verify(osca.getPublicKey());
  }

  @Test
  void runsEveryPkitsTestThroughTheApiInTestCenterMode() {
    JsonNode manifest = JSON.readTree(PkitsTest.read("manifest.json"));
    Base64.Encoder b64 = Base64.getEncoder();
    int passed = 0;
    List<String> failed = new ArrayList<>();
    for (JsonNode t : manifest.get("tests")) {
      List<String> chain = new ArrayList<>();
      t.get("chain").forEach(c -> chain.add(c.asString()));
      ObjectNode req =
          JSON.createObjectNode()
              .put("certificate", b64.encodeToString(PkitsTest.read(chain.get(chain.size() - 1))))
              .put("validationTime", "2011-04-15T00:00:00Z")
              .put("explicitPolicy", t.get("settings").get("initial_explicit_policy").asBoolean())
              .put(
                  "inhibitPolicyMapping",
                  t.get("settings").get("initial_policy_mapping_inhibit").asBoolean())
              .put(
                  "inhibitAnyPolicy",
                  t.get("settings").get("initial_any_policy_inhibit").asBoolean());
      var policies = req.putArray("initialPolicies");
      t.get("settings").get("initial_policy_set_oids").forEach(p -> policies.add(p.asString()));
      var intermediates = req.putArray("intermediates");
      for (int i = 1; i < chain.size() - 1; i++) {
        intermediates.add(b64.encodeToString(PkitsTest.read(chain.get(i))));
      }
      t.get("extra_certs")
          .forEach(c -> intermediates.add(b64.encodeToString(PkitsTest.read(c.asString()))));
      ObjectNode tc = req.putObject("testCenter");
      tc.putArray("trustAnchors")
          .add(b64.encodeToString(PkitsTest.read(t.get("trust_anchor").asString())));
      var crls = tc.putArray("crls");
      t.get("crls").forEach(c -> crls.add(b64.encodeToString(PkitsTest.read(c.asString()))));
      JsonNode r = post(req, 200);
      boolean valid = "VALID".equals(r.get("status").asString());
      if (valid == "valid".equals(t.get("expected").asString())) {
        passed++;
      } else {
        failed.add(
            t.get("id").asString() + " " + r.get("status").asString() + " " + r.get("reasons"));
      }
    }
    System.out.println(
        "PKITS via the API (test-center mode): "
            + passed
            + " passed, "
            + failed.size()
            + " failed");
    assertThat(failed).isEmpty();
  }

  /** One interop case: a demo certificate and the policy inputs. */
  private record Case(
      String name, byte[] ee, Set<String> policies, boolean explicit, String expected) {}

  @Test
  void opensslAndTheJdkAgreeWithOurVerdicts(@TempDir Path dir) throws Exception {
    assumeThat(OpenSsl.available()).as("openssl installed").isTrue();
    List<Case> cases =
        List.of(
            new Case("bridge valid", demo("private-demo", "VALID"), Set.of(ANY), true, "VALID"),
            new Case(
                "bridge revoked", demo("private-demo", "REVOKED"), Set.of(ANY), false, "INVALID"),
            new Case(
                "bridge expired", demo("private-demo", "EXPIRED"), Set.of(ANY), false, "INVALID"),
            new Case(
                "bridge policy in osca domain",
                demo("private-demo", "VALID"),
                Set.of(DemoPki.OSCA_POLICY),
                true,
                "VALID"),
            new Case(
                "bridge wrong policy",
                demo("private-demo", "VALID"),
                Set.of(DemoPki.LGPKI_POLICY),
                true,
                "INVALID"),
            new Case("lgpki valid", demo("lgpki-demo", "VALID"), Set.of(ANY), true, "VALID"),
            new Case("osca valid", demo("osca", "VALID"), Set.of(ANY), false, "VALID"),
            new Case("osca revoked", demo("osca", "REVOKED"), Set.of(ANY), false, "INVALID"),
            new Case("osca expired", demo("osca", "EXPIRED"), Set.of(ANY), false, "INVALID"));
    byte[] anchor = get(ca("osca").get("certificate").asString());
    List<byte[]> crls = new ArrayList<>();
    for (JsonNode ca : index.get("cas")) {
      crls.add(get(ca.get("crl").get("url").asString()));
      crls.add(get(ca.get("arl").get("url").asString()));
    }
    for (Case c : cases) {
      ObjectNode req = request(c.ee()).put("explicitPolicy", c.explicit());
      var p = req.putArray("initialPolicies");
      c.policies().forEach(p::add);
      JsonNode ours = post(req, 200);
      List<byte[]> intermediates = new ArrayList<>();
      JsonNode path = ours.get("path");
      for (int i = 1; i < path.size() - 1; i++) {
        intermediates.add(caCertsBySha.get(path.get(i).get("sha256").asString()));
      }
      if (path.size() < 2) {
        throw new AssertionError(c.name() + ": no path " + ours);
      }
      String openssl = openssl(dir, anchor, intermediates, crls, c);
      String jdk = jdk(anchor, intermediates, crls, c);
      assertThat(List.of(ours.get("status").asString(), openssl, jdk))
          .as(c.name() + ": ours / openssl / JDK; ours=" + ours.get("reasons"))
          .containsOnly(c.expected());
    }
  }

  private static String openssl(
      Path dir, byte[] anchor, List<byte[]> intermediates, List<byte[]> crls, Case c)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "verify",
                "-CAfile",
                OpenSsl.pem(dir.resolve("anchor.pem"), "CERTIFICATE", List.of(anchor)).toString(),
                "-CRLfile",
                OpenSsl.pem(dir.resolve("crls.pem"), "X509 CRL", crls).toString(),
                "-crl_check_all",
                "-policy_check"));
    if (!intermediates.isEmpty()) {
      args.addAll(
          List.of(
              "-untrusted",
              OpenSsl.pem(dir.resolve("untrusted.pem"), "CERTIFICATE", intermediates).toString()));
    }
    if (c.explicit()) {
      args.add("-explicit_policy");
    }
    for (String policy : c.policies()) {
      args.addAll(List.of("-policy", policy));
    }
    args.add(OpenSsl.pem(dir.resolve("ee.pem"), "CERTIFICATE", List.of(c.ee())).toString());
    OpenSsl.Result r = OpenSsl.run(args);
    return r.exitCode() == 0
        ? "VALID"
        : "INVALID".concat(c.expected().equals("VALID") ? ": " + r.output() : "");
  }

  private static String jdk(byte[] anchor, List<byte[]> intermediates, List<byte[]> crls, Case c)
      throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> path = new ArrayList<>();
    path.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(c.ee())));
    for (byte[] der : intermediates) {
      path.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
    }
    PKIXParameters params =
        new PKIXParameters(
            Set.of(
                new TrustAnchor(
                    (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(anchor)),
                    null)));
    params.setRevocationEnabled(true);
    params.setExplicitPolicyRequired(c.explicit());
    params.setInitialPolicies(c.policies().contains(ANY) ? Set.of() : new HashSet<>(c.policies()));
    List<Object> store = new ArrayList<>(path);
    for (byte[] crl : crls) {
      store.add(cf.generateCRL(new ByteArrayInputStream(crl)));
    }
    params.addCertStore(
        CertStore.getInstance("Collection", new CollectionCertStoreParameters(store)));
    try {
      CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(path), params);
      return "VALID";
    } catch (CertPathValidatorException e) {
      return "INVALID".concat(c.expected().equals("VALID") ? ": " + e : "");
    }
  }
}
