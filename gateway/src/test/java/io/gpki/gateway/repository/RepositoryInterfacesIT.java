package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.sync.testing.Await;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every lookup interface against the live demo PKI: RFC 4387 stores (each attribute), LDAP URLs
 * over HTTP mapped mechanically from the CRL distribution points, the LDAPv3 listener through the
 * real {@code ldapsearch} binary and the UnboundID client, discovery, referrals and access
 * statistics.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gpki.repository.ldap.port=0", "gpki.repository.operator-api-enabled=true"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepositoryInterfacesIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    GatewayTestSupport.register(registry);
  }

  @LocalServerPort int port;
  @org.springframework.boot.test.web.server.LocalManagementPort int managementPort;
  WebTestClient client;
  JsonNode index;
  int ldapPort;

  @BeforeAll
  void ready() throws InterruptedException {
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));
    index = JSON.readTree(get("/repository"));
    String ldap = index.get("interfaces").get("ldap").asString();
    ldapPort = Integer.parseInt(ldap.substring(ldap.lastIndexOf(':') + 1));
  }

  private byte[] get(String path) {
    return client
        .get()
        .uri(java.net.URI.create("http://localhost:" + port + path))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  /** Actuator endpoints live on the management port, not on the public one. */
  private byte[] management(String path) {
    assertThat(exchange(path).getStatus().value())
        .as("no %s on the public port", path)
        .isEqualTo(404);
    return client
        .get()
        .uri(java.net.URI.create("http://localhost:" + managementPort + path))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  private EntityExchangeResult<byte[]> exchange(String path) {
    return client
        .get()
        .uri(java.net.URI.create("http://localhost:" + port + path))
        .exchange()
        .expectBody(byte[].class)
        .returnResult();
  }

  private JsonNode ca(String id) {
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

  private static String q(byte[] hash) {
    return URLEncoder.encode(
        Base64.getEncoder().withoutPadding().encodeToString(hash), StandardCharsets.UTF_8);
  }

  private static List<byte[]> parts(EntityExchangeResult<byte[]> r) {
    MediaType type = r.getResponseHeaders().getContentType();
    assertThat(type.isCompatibleWith(MediaType.MULTIPART_MIXED)).isTrue();
    return Multiparts.parse(r.getResponseBody(), type.getParameter("boundary"));
  }

  @Test
  void discoveryNamesEveryLookupInterface() {
    JsonNode i = index.get("interfaces");
    String base = "http://localhost:8080";
    assertThat(i.get("rfc4387CertificateStore").asString())
        .isEqualTo(base + "/certificates/search.cgi");
    assertThat(i.get("rfc4387CrlStore").asString()).isEqualTo(base + "/crls/search.cgi");
    assertThat(i.get("ldapOverHttp").asString()).isEqualTo(base + "/ldap/");
    assertThat(i.get("ldap").asString()).isEqualTo("ldap://localhost:" + ldapPort);
    assertThat(ldapPort).isPositive();
  }

  @Test
  void rfc4387EveryHashAttributeFindsEveryCaCertificate() throws Exception {
    int checked = 0;
    for (JsonNode ca : index.get("cas")) {
      for (JsonNode cert : ca.get("certificates")) {
        byte[] der = get(path(cert.get("url").asString()));
        X509CertificateHolder x = new X509CertificateHolder(der);
        // certHash names exactly one certificate: the body is its DER.
        EntityExchangeResult<byte[]> one =
            exchange("/certificates/search.cgi?certHash=" + q(Hashes.sha1(der)));
        assertThat(one.getStatus().value()).isEqualTo(200);
        assertThat(one.getResponseHeaders().getContentType()).hasToString("application/pkix-cert");
        assertThat(one.getResponseBody()).isEqualTo(der);
        byte[] ias =
            new DERSequence(
                    new ASN1Encodable[] {x.getIssuer(), new ASN1Integer(x.getSerialNumber())})
                .getEncoded("DER");
        assertThat(
                exchange("/certificates/search.cgi?iAndSHash=" + q(Hashes.sha1(ias)))
                    .getResponseBody())
            .isEqualTo(der);
        for (String query :
            List.of(
                "sHash=" + q(Hashes.sha1(x.getSubject().getEncoded("DER"))),
                "iHash=" + q(Hashes.sha1(x.getIssuer().getEncoded("DER"))),
                "sKIDHash="
                    + q(Hashes.sha1(x.getSubjectPublicKeyInfo().getPublicKeyData().getBytes())))) {
          EntityExchangeResult<byte[]> r = exchange("/certificates/search.cgi?" + query);
          assertThat(r.getStatus().value()).as(query).isEqualTo(200);
          List<byte[]> found =
              r.getResponseHeaders().getContentType().toString().startsWith("multipart/")
                  ? parts(r)
                  : List.of(r.getResponseBody());
          assertThat(found).as(query).anySatisfy(b -> assertThat(b).isEqualTo(der));
        }
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(10);
  }

  @Test
  void rfc4387TextAttributesAndEncodings() {
    // cn and name match by RFC 4518 rules (case, spaces); uri matches a dNSName.
    byte[] taro =
        get(
            "/certificates/search.cgi?cn="
                + URLEncoder.encode("  taro   KASUMIGASEKI ", StandardCharsets.UTF_8));
    assertThat(new String(taro, StandardCharsets.ISO_8859_1)).contains("Taro Kasumigaseki");
    assertThat(get("/certificates/search.cgi?name=Taro%20Kasumigaseki")).isEqualTo(taro);
    assertThat(
            get(
                "/certificates/search.cgi?name="
                    + URLEncoder.encode(
                        "cn=taro kasumigaseki, ou=Ministry of Demo Affairs,o=japanese government,c=jp",
                        StandardCharsets.UTF_8)))
        .isEqualTo(taro);
    byte[] server = get("/certificates/search.cgi?uri=LOCALHOST");
    assertThat(new String(server, StandardCharsets.ISO_8859_1)).contains("localhost");
    // Unescaped '+' and '/' and a trailing '=' are tolerated.
    String raw = Base64.getEncoder().encodeToString(Hashes.sha1(taro));
    assertThat(get("/certificates/search.cgi?certHash=" + raw)).isEqualTo(taro);
  }

  @Test
  void rfc4387ErrorsAreProblems() {
    for (String query : List.of("", "certHash=abc", "bogus=1", "cn=a&cn=b", "certHash=%FF%FE")) {
      EntityExchangeResult<byte[]> r =
          exchange("/certificates/search.cgi" + (query.isEmpty() ? "" : "?" + query));
      assertThat(r.getStatus().value()).as(query).isEqualTo(400);
      assertThat(r.getResponseHeaders().getContentType())
          .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    }
    assertThat(exchange("/certificates/search.cgi?certHash=" + q(new byte[20])).getStatus().value())
        .isEqualTo(404);
    assertThat(exchange("/crls/search.cgi?certHash=" + q(new byte[20])).getStatus().value())
        .isEqualTo(400);
    // Size limits: a query over max-query-length (2048) is a 400 problem; Reactor Netty refuses a
    // request line over 4 KB (414) and headers over server.max-http-request-header-size, 16 KB
    // (431).
    EntityExchangeResult<byte[]> longQuery =
        exchange("/certificates/search.cgi?cn=" + "a".repeat(2100));
    assertThat(longQuery.getStatus().value()).isEqualTo(400);
    assertThat(longQuery.getResponseHeaders().getContentType())
        .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    assertThat(exchange("/repository/" + "a".repeat(5000)).getStatus().value()).isEqualTo(414);
    assertThat(
            client
                .get()
                .uri(java.net.URI.create("http://localhost:" + port + "/repository"))
                .header("X-Big", "b".repeat(20_000))
                .exchange()
                .expectBody(byte[].class)
                .returnResult()
                .getStatus()
                .value())
        .isEqualTo(431);
    assertThat(exchange("/crls/search.cgi?iHash=" + q(new byte[20])).getStatus().value())
        .isEqualTo(404);
  }

  @Test
  void rfc4387CrlStoreAnswersCrlAndArlOfEveryCa() throws Exception {
    for (JsonNode ca : index.get("cas")) {
      byte[] crl = get(path(ca.get("crl").get("url").asString()));
      byte[] arl = get(path(ca.get("arl").get("url").asString()));
      X509CRLHolder holder = new X509CRLHolder(crl);
      byte[] issuer = holder.getIssuer().getEncoded("DER");
      byte[] akid =
          org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.fromExtensions(holder.getExtensions())
              .getKeyIdentifierObject()
              .getOctets();
      for (String query : List.of("iHash=" + q(Hashes.sha1(issuer)), "sKIDHash=" + q(akid))) {
        EntityExchangeResult<byte[]> r = exchange("/crls/search.cgi?" + query);
        assertThat(r.getStatus().value()).isEqualTo(200);
        assertThat(parts(r))
            .as(query)
            .hasSize(2)
            .anySatisfy(b -> assertThat(b).isEqualTo(crl))
            .anySatisfy(b -> assertThat(b).isEqualTo(arl));
      }
    }
  }

  @Test
  void ldapUrlsInCrlDistributionPointsMapMechanicallyToHttp() {
    for (JsonNode ca : index.get("cas")) {
      for (String scope : List.of("crl", "arl")) {
        String ldapUrl = ca.get(scope).get("ldap").asString();
        assertThat(ldapUrl).startsWith("ldap://localhost:1389/");
        String http = ldapUrl.replaceFirst("^ldap://[^/]+", "/ldap");
        // A list may be reissued between the two reads (startup issues, revocation triggers): read
        // the
        // file URL before and after, and the LDAP answer must equal one of them.
        byte[] before = get(path(ca.get(scope).get("url").asString()));
        EntityExchangeResult<byte[]> r = exchange(http);
        byte[] after = get(path(ca.get(scope).get("url").asString()));
        assertThat(r.getStatus().value()).as(http).isEqualTo(200);
        assertThat(r.getResponseHeaders().getContentType()).hasToString("application/pkix-crl");
        assertThat(r.getResponseBody())
            .satisfiesAnyOf(
                b -> assertThat(b).isEqualTo(before), b -> assertThat(b).isEqualTo(after));
      }
    }
    // RFC 4518: case and insignificant spaces do not matter.
    byte[] bca = get(path(ca("bca").get("crl").get("url").asString()));
    assertThat(
            get(
                "/ldap/ou=bridgeca,%20%20OU=GPKI%20%20Demo,o=JAPANESE%20GOVERNMENT,c=jp?certificateRevocationList;binary"))
        .isEqualTo(bca);
  }

  @Test
  void ldapOverHttpMultiValuedAndOneLevelAnswersAreJson() {
    String osca = ca("osca").get("subject").asString();
    JsonNode all = JSON.readTree(get("/ldap/" + enc(osca) + "?cACertificate;binary"));
    JsonNode values = all.get("entries").get(0).get("attributes").get("cACertificate;binary");
    assertThat(values.size()).isEqualTo(4); // two self-signed generations and two link certificates
    JsonNode pairs =
        JSON.readTree(
            get(
                "/ldap/"
                    + enc(ca("bca").get("subject").asString())
                    + "?crossCertificatePair;binary"));
    assertThat(
            pairs.get("entries").get(0).get("attributes").get("crossCertificatePair;binary").size())
        .isEqualTo(3);
    JsonNode one =
        JSON.readTree(
            get(
                "/ldap/OU=GPKI%20Demo,O=Japanese%20Government,C=JP?cACertificate;binary?one?(objectClass=pkiCA)"));
    assertThat(one.get("entries").size()).isGreaterThanOrEqualTo(3);
    for (String bad :
        List.of(
            "/ldap/OU=GPKI%20Demo,O=Japanese%20Government,C=JP??one?(objectClass=pkiCA",
            "/ldap/not-a-dn?cACertificate;binary",
            "/ldap/C=JP??chain",
            "/ldap/C=JP??base?(cn=x)?!e-bindname=x",
            "/ldap/C=JP??sub?(%7C" + "(cn=x)".repeat(200) + ")",
            "/ldap/C=JP??sub?" + "(%26".repeat(12) + "(objectClass=*)" + ")".repeat(12))) {
      EntityExchangeResult<byte[]> r = exchange(bad);
      assertThat(r.getStatus().value()).as(bad).isEqualTo(400);
      assertThat(r.getResponseHeaders().getContentType())
          .as(bad)
          .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    }
    EntityExchangeResult<byte[]> none = exchange("/ldap/OU=Nobody,C=JP?cACertificate;binary");
    assertThat(none.getStatus().value()).isEqualTo(404);
    assertThat(none.getResponseHeaders().getContentType())
        .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
  }

  @Test
  void ldapOverHttpAnswersAUserCertificateAsDer() throws Exception {
    try (LDAPConnection c = new LDAPConnection("127.0.0.1", ldapPort)) {
      SearchResultEntry e =
          c.search(
                  "C=JP",
                  SearchScope.SUB,
                  "(&(objectClass=pkiUser)(cn=Taro Kasumigaseki))",
                  "userCertificate;binary")
              .getSearchEntries()
              .get(0);
      EntityExchangeResult<byte[]> r =
          exchange("/ldap/" + enc(e.getDN()) + "?userCertificate;binary");
      assertThat(r.getStatus().value()).isEqualTo(200);
      assertThat(r.getResponseHeaders().getContentType()).hasToString("application/pkix-cert");
      assertThat(r.getResponseBody()).isEqualTo(e.getAttributeValueBytes("userCertificate;binary"));
    }
  }

  private static String enc(String dn) {
    return URLEncoder.encode(dn, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void realLdapsearchReadsTheCrlOfEveryCa() throws Exception {
    assumeThat(new java.io.File("/usr/bin/ldapsearch")).exists();
    for (JsonNode ca : index.get("cas")) {
      Process p =
          new ProcessBuilder(
                  "ldapsearch",
                  "-x",
                  "-LLL",
                  "-o",
                  "ldif-wrap=no",
                  "-H",
                  "ldap://127.0.0.1:" + ldapPort,
                  "-b",
                  ca.get("subject").asString(),
                  "(objectClass=*)",
                  "certificateRevocationList;binary")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      String line =
          out.lines()
              .filter(l -> l.startsWith("certificateRevocationList;binary:: "))
              .findFirst()
              .orElseThrow();
      byte[] der = Base64.getDecoder().decode(line.substring(line.indexOf(":: ") + 3));
      assertThat(der).isEqualTo(get(path(ca.get("crl").get("url").asString())));
    }
  }

  @Test
  void ldapListenerSearchesScopesAndRefusesWrites() throws Exception {
    try (LDAPConnection c = new LDAPConnection("127.0.0.1", ldapPort)) {
      SearchResult sub =
          c.search(
              "C=JP",
              SearchScope.SUB,
              "(&(objectClass=pkiUser)(|(cn=Taro Kasumigaseki)(cn=localhost)))",
              "userCertificate;binary");
      assertThat(sub.getEntryCount()).isEqualTo(2);
      for (SearchResultEntry e : sub.getSearchEntries()) {
        assertThat(e.getAttributeValueBytes("userCertificate;binary")).isNotNull();
      }
      SearchResult one =
          c.search(
              "OU=GPKI Demo,O=Japanese Government,C=JP",
              SearchScope.ONE,
              "(objectClass=certificationAuthority)",
              "1.1");
      assertThat(one.getEntryCount()).isGreaterThanOrEqualTo(3);
      SearchResult root = c.search("", SearchScope.BASE, "(objectClass=*)", "namingContexts");
      assertThat(root.getSearchEntries().get(0).getAttributeValues("namingContexts"))
          .contains("C=JP");
      String bca = ca("bca").get("subject").asString();
      List<org.junit.jupiter.api.function.Executable> writes =
          List.of(
              () -> c.delete(bca),
              () ->
                  c.add(
                      new com.unboundid.ldap.sdk.Entry(
                          "CN=Intruder," + bca,
                          new com.unboundid.ldap.sdk.Attribute("objectClass", "pkiUser"))),
              () ->
                  c.modify(
                      bca,
                      new com.unboundid.ldap.sdk.Modification(
                          com.unboundid.ldap.sdk.ModificationType.REPLACE,
                          "certificateRevocationList;binary",
                          new byte[] {0})),
              () -> c.modifyDN(bca, "OU=Renamed", true),
              () -> c.compare(bca, "objectClass", "pkiCA"));
      for (org.junit.jupiter.api.function.Executable w : writes) {
        LDAPException write = org.junit.jupiter.api.Assertions.assertThrows(LDAPException.class, w);
        assertThat(write.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
      }
      // Limits: an over-long and an over-deep filter are refused with a message, a client size
      // limit
      // below the number of matches ends in sizeLimitExceeded.
      String longFilter = "(|" + "(cn=x)".repeat(200) + ")";
      LDAPException tooLong =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class, () -> c.search("C=JP", SearchScope.SUB, longFilter, "1.1"));
      assertThat(tooLong.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
      assertThat(tooLong.getDiagnosticMessage()).contains("filter too long");
      String deepFilter = "(&".repeat(12) + "(objectClass=*)" + ")".repeat(12);
      LDAPException tooDeep =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class, () -> c.search("C=JP", SearchScope.SUB, deepFilter, "1.1"));
      assertThat(tooDeep.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
      assertThat(tooDeep.getDiagnosticMessage()).contains("nested deeper");
      com.unboundid.ldap.sdk.SearchRequest limited =
          new com.unboundid.ldap.sdk.SearchRequest(
              "C=JP", SearchScope.SUB, "(objectClass=pkiCA)", "1.1");
      limited.setSizeLimit(1);
      LDAPException overSize =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class, () -> c.search(limited));
      assertThat(overSize.getResultCode()).isEqualTo(ResultCode.SIZE_LIMIT_EXCEEDED);
      LDAPException missing =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class,
              () ->
                  c.search(
                      "OU=Nobody,O=Japanese Government,C=JP", SearchScope.BASE, "(objectClass=*)"));
      assertThat(missing.getResultCode()).isEqualTo(ResultCode.NO_SUCH_OBJECT);
      LDAPException bind =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class, () -> c.bind("cn=admin", "secret"));
      assertThat(bind.getResultCode()).isEqualTo(ResultCode.INAPPROPRIATE_AUTHENTICATION);
    }
  }

  @Test
  void referralsRedirectHttpAndReferLdapUntilRemoved() throws Exception {
    client
        .post()
        .uri("/api/v1/operations/referrals")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"id\":\"partner\",\"baseDn\":\"O=Partner CA,C=JP\",\"ldapUrl\":\"ldap://ldap.partner.example:389\","
                + "\"httpUrl\":\"https://repo.partner.example/ldap\"}")
        .exchange()
        .expectStatus()
        .isCreated();
    client
        .post()
        .uri("/api/v1/operations/referrals")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"id\":\"bad\",\"baseDn\":\"not a dn\",\"ldapUrl\":\"ldap://x\"}")
        .exchange()
        .expectStatus()
        .isBadRequest();
    String target = "/ldap/CN=Someone,O=Partner%20CA,C=JP?userCertificate;binary";
    awaitStatus(target, 302);
    assertThat(exchange(target).getResponseHeaders().getLocation())
        .hasToString(
            "https://repo.partner.example/ldap/CN=Someone,O=Partner%20CA,C=JP?userCertificate;binary");
    try (LDAPConnection c = new LDAPConnection("127.0.0.1", ldapPort)) {
      c.getConnectionOptions().setFollowReferrals(false);
      LDAPException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              LDAPException.class,
              () ->
                  c.search("cn=someone, o=partner ca, c=jp", SearchScope.BASE, "(objectClass=*)"));
      assertThat(e.getResultCode()).isEqualTo(ResultCode.REFERRAL);
      assertThat(e.getReferralURLs()[0]).startsWith("ldap://ldap.partner.example:389/");
      SearchResult sub = c.search("C=JP", SearchScope.SUB, "(objectClass=pkiCA)", "1.1");
      assertThat(sub.getReferenceCount()).isEqualTo(1);
    }
    client
        .get()
        .uri("/api/v1/operations/referrals")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.referrals[0].id")
        .isEqualTo("partner");
    client
        .delete()
        .uri("/api/v1/operations/referrals/partner")
        .exchange()
        .expectStatus()
        .isNoContent();
    awaitStatus(target, 404);
  }

  private void awaitStatus(String path, int status) {
    Await.until(
        "status " + status + " for " + path,
        () -> exchange(path).getStatus().value(),
        s -> s == status,
        Duration.ofSeconds(15));
  }

  @Test
  void accessStatisticsAreExposedAsMetricsAndAsReports() {
    get("/certificates/search.cgi?cn=Taro%20Kasumigaseki");
    exchange("/certificates/search.cgi?certHash=" + q(new byte[20]));
    String prometheus = new String(management("/actuator/prometheus"), StandardCharsets.UTF_8);
    assertThat(prometheus)
        .contains("gpki_repository_requests_seconds_bucket{")
        .containsPattern(
            "gpki_repository_requests_seconds_count\\{interface=\"rfc4387-certs\",kind=\"certificate\",outcome=\"not-found\"");
    JsonNode report =
        JSON.readTree(get("/api/v1/operations/repository/access-report?period=daily"));
    List<JsonNode> rows = new ArrayList<>();
    report.get("rows").forEach(rows::add);
    JsonNode certs =
        rows.stream()
            .filter(r -> r.get("interface").asString().equals("rfc4387-certs"))
            .findFirst()
            .orElseThrow();
    long n = certs.get("requests").asLong();
    assertThat(n).isGreaterThanOrEqualTo(2);
    assertThat(certs.get("outcomes").get("not-found").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(certs.get("meanResponseMillis").asDouble())
        .isCloseTo(
            certs.get("totalResponseMillis").asDouble() / n,
            org.assertj.core.data.Offset.offset(1e-6));
    String csv =
        new String(
            get("/api/v1/operations/repository/access-report?period=monthly&format=csv"),
            StandardCharsets.UTF_8);
    assertThat(csv.lines().findFirst().orElseThrow())
        .startsWith("month,interface,kind,requests,mean_response_ms,total_response_ms");
    assertThat(csv).contains(",rfc4387-certs,certificate,");
  }

  /**
   * The Netty fast path and WebFlux give the same answer: same status, body and headers for a file
   * URL, an RFC 4387 hit (single and multipart) and an LDAP-over-HTTP hit, fast requests are
   * counted in the access statistics, and HEAD gets the headers without the body. A non-matching
   * If-None-Match sends the same request through WebFlux.
   */
  @Test
  void fastPathAndWebFluxAnswerAlike() throws Exception {
    X509CertificateHolder bca =
        new X509CertificateHolder(get(path(ca("bca").get("certificate").asString())));
    List<String> targets =
        List.of(
            path(ca("osca").get("crl").get("url").asString()),
            path(ca("bca").get("certificate").asString()),
            "/certificates/search.cgi?certHash=" + q(Hashes.sha1(bca.getEncoded())),
            "/crls/search.cgi?iHash=" + q(Hashes.sha1(bca.getSubject().getEncoded("DER"))),
            "/ldap/"
                + enc(ca("bca").get("subject").asString())
                + "?certificateRevocationList;binary");
    for (String target : targets) {
      // Lists may be reissued between two reads: retry until both reads see the same ETag.
      for (int attempt = 0; ; attempt++) {
        java.net.http.HttpResponse<byte[]> fast = raw("GET", target, null);
        java.net.http.HttpResponse<byte[]> slow = raw("GET", target, "\"no-such-tag\"");
        String fastTag = fast.headers().firstValue("etag").orElse("");
        if (!fastTag.equals(slow.headers().firstValue("etag").orElse("-")) && attempt < 5) {
          continue;
        }
        assertThat(fast.statusCode()).as(target).isEqualTo(200);
        assertThat(slow.statusCode()).as(target).isEqualTo(200);
        assertThat(fast.body()).as(target).isEqualTo(slow.body());
        for (String h :
            List.of("content-type", "content-length", "etag", "last-modified", "expires")) {
          assertThat(fast.headers().firstValue(h))
              .as(target + " " + h)
              .isEqualTo(slow.headers().firstValue(h));
        }
        assertThat(fast.headers().firstValue("cache-control").orElseThrow())
            .as(target)
            .startsWith("public, max-age=");
        java.net.http.HttpResponse<byte[]> head = raw("HEAD", target, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length"))
            .isEqualTo(fast.headers().firstValue("content-length"));
        break;
      }
    }
    String prometheus = new String(management("/actuator/prometheus"), StandardCharsets.UTF_8);
    assertThat(prometheus)
        .containsPattern(
            "gpki_repository_requests_seconds_count\\{interface=\"files\",kind=\"crl\",outcome=\"ok\"")
        .containsPattern(
            "gpki_repository_requests_seconds_count\\{interface=\"ldap-http\",kind=\"crl\",outcome=\"ok\"");
  }

  private java.net.http.HttpResponse<byte[]> raw(String method, String target, String ifNoneMatch)
      throws Exception {
    java.net.http.HttpRequest.Builder b =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://localhost:" + port + target))
            .method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10));
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    return HTTP.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
  }

  private static final java.net.http.HttpClient HTTP =
      java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1)
          .build();
}
