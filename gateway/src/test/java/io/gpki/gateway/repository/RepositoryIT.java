package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.sync.Revocation;
import io.gpki.sync.testing.Await;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole first slice end to end: the gateway starts against a real PostgreSQL, creates the demo
 * bridge PKI, and serves it; openssl (a client nobody here wrote) verifies the bridge path and
 * every published CRL/ARL.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.crl.period=3s",
      "gpki.crl.validity=1h",
      "gpki.crl.check-interval=1s",
      "gpki.crl.revocation-publish-delay=200ms"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepositoryIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @Autowired io.gpki.sync.DatabaseCoordinates database;

  @LocalServerPort int port;
  @org.springframework.boot.test.web.server.LocalManagementPort int managementPort;
  @Autowired CaEngine engine;
  @Autowired DemoPki demo;
  WebTestClient client;

  @BeforeAll
  void ready() throws InterruptedException {
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));
  }

  @BeforeEach
  void clientReady() {
    assertThat(client).isNotNull();
  }

  private JsonNode index() {
    byte[] body =
        client
            .get()
            .uri("/repository")
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentType(MediaType.APPLICATION_JSON)
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    return JSON.readTree(body);
  }

  private JsonNode ca(JsonNode index, String id) {
    for (JsonNode ca : index.get("cas")) {
      if (ca.get("id").asString().equals(id)) {
        return ca;
      }
    }
    throw new AssertionError("no CA " + id);
  }

  private static String path(String url) {
    return url.replaceFirst("^https?://[^/]+", "");
  }

  private byte[] get(String url) {
    return client
        .get()
        .uri(path(url))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  @Test
  void indexListsTheDemoBridgePki() {
    JsonNode index = index();
    List<String> ids = new ArrayList<>();
    index.get("cas").forEach(c -> ids.add(c.get("id").asString()));
    assertThat(ids).containsExactlyInAnyOrder("bca", "osca", "isca", "lgpki-demo", "private-demo");
    JsonNode osca = ca(index, "osca");
    assertThat(osca.get("currentGeneration").asInt()).isEqualTo(2);
    List<String> kinds = new ArrayList<>();
    osca.get("certificates").forEach(c -> kinds.add(c.get("kind").asString()));
    assertThat(kinds)
        .contains("SELF_SIGNED", "CROSS", "LINK_OLD_WITH_NEW", "LINK_NEW_WITH_OLD")
        .filteredOn("SELF_SIGNED"::equals)
        .hasSize(2);
    assertThat(ca(index, "bca").get("crossCertificatePairs")).hasSize(3);
    assertThat(ca(index, "bca").get("subject").asString())
        .isEqualTo("OU=BridgeCA,OU=GPKI Demo,O=Japanese Government,C=JP");
    List<String> statuses = new ArrayList<>();
    index
        .get("demo")
        .get("endEntities")
        .forEach(
            e ->
                statuses.add(
                    e.get("issuerCa").asString() + ":" + e.get("expectedStatus").asString()));
    assertThat(statuses)
        .contains(
            "osca:VALID",
            "osca:REVOKED",
            "osca:EXPIRED",
            "isca:VALID",
            "isca:REVOKED",
            "private-demo:VALID",
            "private-demo:REVOKED",
            "private-demo:EXPIRED");
  }

  @Test
  void readinessHoldsOnlyWhatReadsNeedAndTheDatabaseAndSignerHaveGroupsOfTheirOwn() {
    String health = "http://localhost:" + managementPort + "/actuator/health/";
    client
        .get()
        .uri(health + "readiness")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("UP")
        .jsonPath("$.components.repositorySnapshot.status")
        .isEqualTo("UP")
        .jsonPath("$.components.primaryDatabase")
        .doesNotExist()
        .jsonPath("$.components.signer")
        .doesNotExist();
    client
        .get()
        .uri(health + "database")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.components.primaryDatabase.status")
        .isEqualTo("UP");
    client
        .get()
        .uri(health + "signing")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.components.signer.status")
        .isEqualTo("UP")
        .jsonPath("$.components.signer.details.soft")
        .value(v -> assertThat(v.toString()).contains("pkcs12 UP"));
  }

  @Test
  void noPrivateKeyMaterialReachesTheDatabaseOrTheRepository() throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    char[] password =
        java.nio.file.Files.readString(dataDir.resolve("keys/ca-keys.pass")).trim().toCharArray();
    try (var in = java.nio.file.Files.newInputStream(dataDir.resolve("keys/ca-keys.p12"))) {
      ks.load(in, password);
    }
    List<byte[]> secrets = new ArrayList<>();
    for (String alias : java.util.Collections.list(ks.aliases())) {
      var key = (java.security.interfaces.RSAPrivateCrtKey) ks.getKey(alias, password);
      secrets.add(key.getEncoded());
      // The prime factors are the secret core of an RSA key; look for them on their own too.
      secrets.add(key.getPrimeP().toByteArray());
      secrets.add(key.getPrivateExponent().toByteArray());
    }
    assertThat(secrets).hasSizeGreaterThanOrEqualTo(6 * 3);
    List<byte[]> published = new ArrayList<>();
    JsonNode index = index();
    for (JsonNode ca : index.get("cas")) {
      published.add(get(ca.get("caIssuers").asString()));
      published.add(get(ca.get("crl").get("url").asString()));
      published.add(get(ca.get("arl").get("url").asString()));
    }
    try (var conn = io.gpki.sync.testing.TestDatabase.connect(database);
        var st = conn.createStatement();
        var rs =
            st.executeQuery(
                "SELECT der FROM certificate UNION ALL SELECT der FROM crl UNION ALL SELECT der FROM"
                    + " cross_pair UNION ALL SELECT public_key FROM ca_key UNION ALL SELECT"
                    + " convert_to(payload::text, 'UTF8') FROM change_log")) {
      while (rs.next()) {
        published.add(rs.getBytes(1));
      }
    }
    assertThat(published).hasSizeGreaterThan(50);
    for (byte[] haystack : published) {
      // Raw bytes, and base64 text at each of the three alignments (change-log payloads are JSON).
      String text = new String(haystack, java.nio.charset.StandardCharsets.ISO_8859_1);
      for (byte[] secret : secrets) {
        assertThat(indexOf(haystack, secret)).isEqualTo(-1);
        for (int shift = 0; shift < 3; shift++) {
          String b64 =
              java.util.Base64.getEncoder()
                  .encodeToString(java.util.Arrays.copyOfRange(secret, shift, secret.length));
          assertThat(text).doesNotContain(b64.substring(0, b64.length() - 4));
        }
      }
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void demoCreationIsIdempotent() {
    assertThat(demo.ensure().block(Duration.ofSeconds(30))).isFalse();
    assertThat(index().get("cas")).hasSize(5);
  }

  @Test
  void everyUrlInTheIndexResolvesWithTheRightMediaTypeAndCacheHeaders() throws Exception {
    JsonNode index = index();
    List<String[]> urls = new ArrayList<>();
    for (JsonNode ca : index.get("cas")) {
      urls.add(new String[] {ca.get("certificate").asString(), "application/pkix-cert"});
      urls.add(new String[] {ca.get("caIssuers").asString(), "application/pkcs7-mime"});
      urls.add(new String[] {ca.get("crl").get("url").asString(), "application/pkix-crl"});
      urls.add(new String[] {ca.get("arl").get("url").asString(), "application/pkix-crl"});
      urls.add(new String[] {ca.get("crl").get("archive").asString(), "application/pkix-crl"});
      ca.get("certificates")
          .forEach(c -> urls.add(new String[] {c.get("url").asString(), "application/pkix-cert"}));
      ca.get("crossCertificatePairs")
          .forEach(
              p -> urls.add(new String[] {p.get("url").asString(), "application/octet-stream"}));
    }
    index
        .get("demo")
        .get("endEntities")
        .forEach(e -> urls.add(new String[] {e.get("url").asString(), "application/pkix-cert"}));
    assertThat(urls).hasSizeGreaterThan(40);
    for (String[] u : urls) {
      EntityExchangeResult<byte[]> r =
          client
              .get()
              .uri(path(u[0]))
              .exchange()
              .expectStatus()
              .isOk()
              .expectHeader()
              .contentType(u[1])
              .expectHeader()
              .exists(HttpHeaders.ETAG)
              .expectHeader()
              .exists(HttpHeaders.LAST_MODIFIED)
              .expectHeader()
              .valueMatches(HttpHeaders.CACHE_CONTROL, "public, max-age=\\d+")
              .expectBody(byte[].class)
              .returnResult();
      assertThat(r.getResponseBody()).as(u[0]).isNotEmpty();
      String etag = r.getResponseHeaders().getETag();
      client
          .get()
          .uri(path(u[0]))
          .header(HttpHeaders.IF_NONE_MATCH, etag)
          .exchange()
          .expectStatus()
          .isNotModified()
          .expectBody()
          .isEmpty();
      // HEAD through the JDK's own client (it knows a HEAD response has no body).
      java.net.http.HttpResponse<byte[]> head =
          HTTP.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://localhost:" + port + path(u[0])))
                  .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.headers().firstValue("Content-Type")).hasValue(u[1]);
      assertThat(head.headers().firstValue("ETag")).hasValue(etag);
      assertThat(head.headers().firstValueAsLong("Content-Length"))
          .hasValue(r.getResponseBody().length);
      assertThat(head.body()).isEmpty();
    }
  }

  @Test
  void crlCachingNeverRunsPastNextUpdate() throws Exception {
    JsonNode crl = ca(index(), "bca").get("crl");
    EntityExchangeResult<byte[]> r =
        client
            .get()
            .uri(path(crl.get("url").asString()))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(byte[].class)
            .returnResult();
    X509CRLHolder list = new X509CRLHolder(r.getResponseBody());
    long maxAge =
        Long.parseLong(
            r.getResponseHeaders().getCacheControl().replaceAll(".*max-age=(\\d+).*", "$1"));
    assertThat(Instant.now().plusSeconds(maxAge))
        .isBeforeOrEqualTo(list.getNextUpdate().toInstant().plusSeconds(1));
    client
        .get()
        .uri(path(crl.get("url").asString()))
        .header(
            HttpHeaders.IF_MODIFIED_SINCE,
            r.getResponseHeaders().getFirst(HttpHeaders.LAST_MODIFIED))
        .exchange()
        .expectStatus()
        .isNotModified();
  }

  @Test
  void badAndUnknownPathsGetProblemBodies() {
    client
        .get()
        .uri("/repository/certs/bca/not-hex.cer")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo(400)
        .jsonPath("$.type")
        .isEqualTo("urn:gpki:problem:bad-request");
    client
        .get()
        .uri("/repository/certs/bca/abcdef.cer")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.title")
        .isEqualTo("Not found");
    client.get().uri("/repository/crl/bca/99999999.crl").exchange().expectStatus().isNotFound();
    client
        .get()
        .uri("/no/such/route")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    client
        .post()
        .uri("/repository")
        .exchange()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectStatus()
        .value(s -> assertThat(s).isIn(404, 405));
  }

  @Test
  void listsAreReissuedOnScheduleWithStrictlyIncreasingNumbersAndArchived() throws Exception {
    String url = path(ca(index(), "isca").get("arl").get("url").asString());
    BigInteger first = crlNumber((get(url)));
    Await.until(
        "the ARL reissued with nothing changed",
        () -> crlNumber(get(url)),
        later -> later.compareTo(first) > 0,
        Duration.ofSeconds(30));
    byte[] archived = get("/repository/arl/isca/" + first + ".crl");
    assertThat(crlNumber((archived))).isEqualTo(first);
  }

  @Test
  void revocationPublishesANewCrlWithinSeconds() throws Exception {
    JsonNode index = index();
    JsonNode valid = null;
    for (JsonNode e : index.get("demo").get("endEntities")) {
      if (e.get("issuerCa").asString().equals("lgpki-demo")
          && e.get("expectedStatus").asString().equals("VALID")) {
        valid = e;
      }
    }
    String serial = Objects.requireNonNull(valid).get("serial").asString();
    String crlUrl = path(ca(index, "lgpki-demo").get("crl").get("url").asString());
    engine
        .revoke("lgpki-demo", serial, new Revocation(Instant.now(), 3, null))
        .block(Duration.ofSeconds(30));
    Await.until(
        "the revoked serial on the published CRL",
        () -> new X509CRLHolder(get(crlUrl)),
        crl -> crl.getRevokedCertificate(new BigInteger(serial, 16)) != null,
        Duration.ofSeconds(20));
  }

  @Test
  void opensslVerifiesTheBridgePathAndRejectsRevokedAndExpired(@TempDir Path dir) throws Exception {
    assumeThat(OpenSsl.available()).as("openssl installed").isTrue();
    JsonNode index = index();
    byte[] anchor = get(ca(index, "osca").get("certificate").asString());
    List<byte[]> path = new ArrayList<>();
    path.add(crossCert(ca(index, "private-demo"), "bca"));
    path.add(crossCert(ca(index, "bca"), "osca"));
    List<byte[]> crls = new ArrayList<>();
    crls.add(get(ca(index, "private-demo").get("crl").get("url").asString()));
    crls.add(get(ca(index, "bca").get("arl").get("url").asString()));
    crls.add(get(ca(index, "osca").get("arl").get("url").asString()));
    Path anchorPem = OpenSsl.pem(dir.resolve("anchor.pem"), "CERTIFICATE", List.of(anchor));
    Path untrusted = OpenSsl.pem(dir.resolve("untrusted.pem"), "CERTIFICATE", path);
    Path crlPem = OpenSsl.pem(dir.resolve("crls.pem"), "X509 CRL", crls);
    for (JsonNode e : index.get("demo").get("endEntities")) {
      if (!e.get("issuerCa").asString().equals("private-demo")) {
        continue;
      }
      Path ee =
          OpenSsl.pem(dir.resolve("ee.pem"), "CERTIFICATE", List.of(get(e.get("url").asString())));
      OpenSsl.Result r =
          OpenSsl.run(
              List.of(
                  "verify",
                  "-CAfile",
                  anchorPem.toString(),
                  "-untrusted",
                  untrusted.toString(),
                  "-CRLfile",
                  crlPem.toString(),
                  "-crl_check_all",
                  "-policy_check",
                  "-explicit_policy",
                  "-policy",
                  "2.5.29.32.0",
                  ee.toString()));
      switch (e.get("expectedStatus").asString()) {
        case "VALID" -> assertThat(r.exitCode()).as(r.output()).isZero();
        case "REVOKED" ->
            assertThat(r.output()).contains("error 23").contains("certificate revoked");
        case "EXPIRED" ->
            assertThat(r.output()).contains("error 10").contains("certificate has expired");
        default -> throw new AssertionError(e);
      }
    }
  }

  @Test
  void opensslVerifiesEveryPublishedCrlAndArlSignature(@TempDir Path dir) throws Exception {
    assumeThat(OpenSsl.available()).as("openssl installed").isTrue();
    JsonNode index = index();
    int verified = 0;
    for (JsonNode ca : index.get("cas")) {
      // After a key rollover a CA has several certificates with its name; openssl tries only the
      // first
      // one in -CAfile, so try each certificate issued to the CA in turn.
      List<byte[]> candidates = new ArrayList<>();
      for (JsonNode c : ca.get("certificates")) {
        if (c.get("issuerCa").asString().equals(ca.get("id").asString())) {
          candidates.add(get(c.get("url").asString()));
        }
      }
      for (String scope : List.of("crl", "arl")) {
        Path crl =
            OpenSsl.pem(
                dir.resolve(scope + ".pem"),
                "X509 CRL",
                List.of(get(ca.get(scope).get("url").asString())));
        boolean ok = false;
        StringBuilder outputs = new StringBuilder();
        for (byte[] candidate : candidates) {
          Path caPem = OpenSsl.pem(dir.resolve("ca.pem"), "CERTIFICATE", List.of(candidate));
          OpenSsl.Result r =
              OpenSsl.run(
                  List.of("crl", "-in", crl.toString(), "-CAfile", caPem.toString(), "-noout"));
          outputs.append(r.output());
          ok |= r.exitCode() == 0 && r.output().contains("verify OK");
        }
        assertThat(ok).as(ca.get("id").asString() + " " + scope + ": " + outputs).isTrue();
        verified++;
      }
    }
    assertThat(verified).isEqualTo(10);
  }

  private byte[] crossCert(JsonNode subjectCa, String issuerCa) {
    for (JsonNode c : subjectCa.get("certificates")) {
      if (c.get("kind").asString().equals("CROSS")
          && c.get("issuerCa").asString().equals(issuerCa)) {
        return get(c.get("url").asString());
      }
    }
    throw new AssertionError("no cross-certificate from " + issuerCa);
  }

  private static BigInteger crlNumber(byte[] der) throws Exception {
    X509CRLHolder crl = new X509CRLHolder(der);
    return org.bouncycastle.asn1.ASN1Integer.getInstance(
            crl.getExtension(org.bouncycastle.asn1.x509.Extension.cRLNumber).getParsedValue())
        .getValue();
  }
}
