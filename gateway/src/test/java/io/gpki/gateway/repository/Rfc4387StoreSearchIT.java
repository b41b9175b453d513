package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.testing.Await;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Unlabelled end-entity certificates (as registration issues them) are not in the snapshot; the RFC
 * 4387 certificate store finds them through the store's lookup keys by every attribute, answers 404
 * for none and keeps the result limit.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"gpki.repository.max-results=5"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Rfc4387StoreSearchIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    GatewayTestSupport.register(registry);
  }

  @LocalServerPort int port;
  @Autowired CaEngine engine;
  @Autowired RepositorySnapshots snapshots;
  WebTestClient client;
  CertificateRecord ee;
  X509CertificateHolder x;

  @BeforeAll
  void ready() throws Exception {
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));
    ee =
        issue(
            person("Shiro Unlabelled", "shiro@demo.go.jp"),
            List.of(
                new GeneralName(GeneralName.rfc822Name, "Shiro.Alt@Demo.go.jp"),
                new GeneralName(GeneralName.dNSName, "shiro.demo.go.jp"),
                new GeneralName(
                    GeneralName.uniformResourceIdentifier, "https://demo.go.jp/~shiro")));
    x = new X509CertificateHolder(ee.der());
  }

  private static X500Name person(String cn, String email) {
    X500NameBuilder b =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.C, "JP")
            .addRDN(BCStyle.O, "Japanese Government")
            .addRDN(BCStyle.OU, "Ministry of Search")
            .addRDN(BCStyle.CN, cn);
    if (email != null) {
      b.addRDN(BCStyle.EmailAddress, email);
    }
    return b.build();
  }

  private CertificateRecord issue(X500Name subject, List<GeneralName> sans) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    SubjectPublicKeyInfo spki =
        SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded());
    Instant now = Instant.now();
    // No label: like every certificate registration issues, it stays out of the snapshot.
    return engine
        .issue(
            "osca",
            new CaEngine.EndEntity(
                subject,
                spki,
                CertificateProfile.OFFICIAL_SIGNING,
                now.minusSeconds(60),
                now.plus(Duration.ofDays(30)),
                sans,
                null))
        .block(WAIT);
  }

  private EntityExchangeResult<byte[]> search(String query) {
    return client
        .get()
        .uri(URI.create("http://localhost:" + port + "/certificates/search.cgi?" + query))
        .exchange()
        .expectBody(byte[].class)
        .returnResult();
  }

  private static String q(byte[] hash) {
    return URLEncoder.encode(
        Base64.getEncoder().withoutPadding().encodeToString(hash), StandardCharsets.UTF_8);
  }

  private static String text(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The DER of every certificate an answer holds (one part or several). */
  private static List<byte[]> found(EntityExchangeResult<byte[]> r) {
    MediaType type = r.getResponseHeaders().getContentType();
    if (type.isCompatibleWith(MediaType.MULTIPART_MIXED)) {
      return Multiparts.parse(r.getResponseBody(), type.getParameter("boundary"));
    }
    assertThat(type).hasToString("application/pkix-cert");
    return List.of(r.getResponseBody());
  }

  @Test
  void theUnlabelledCertificateIsNotInTheSnapshot() {
    // Without the store stage this certificate was not searchable at all (the snapshot-only index).
    String certHash = Hashes.sha1Value(ee.der());
    assertThat(snapshots.current().lookups().certificate("certHash", certHash)).isNull();
    assertThat(snapshots.current().lookups().certificate("cn", "shiro unlabelled")).isNull();
  }

  @Test
  void everyAttributeFindsTheUnlabelledCertificate() throws Exception {
    byte[] ias =
        new DERSequence(new ASN1Encodable[] {x.getIssuer(), new ASN1Integer(x.getSerialNumber())})
            .getEncoded("DER");
    SubjectKeyIdentifier ski = SubjectKeyIdentifier.fromExtensions(x.getExtensions());
    List<String> exactlyThis =
        new ArrayList<>(
            List.of(
                "certHash=" + q(Hashes.sha1(ee.der())),
                "iAndSHash=" + q(Hashes.sha1(ias)),
                "sHash=" + q(Hashes.sha1(x.getSubject().getEncoded("DER"))),
                "sKIDHash="
                    + q(Hashes.sha1(x.getSubjectPublicKeyInfo().getPublicKeyData().getBytes())),
                "name=" + text(ee.subjectDn().toUpperCase(java.util.Locale.ROOT)),
                "name=" + text("shiro unlabelled"),
                "cn=" + text("Shiro Unlabelled"),
                "email=" + text("shiro@demo.go.jp"),
                "email=" + text("shiro.alt@demo.go.jp"),
                "uri=" + text("mailto:shiro.alt@demo.go.jp"),
                "uri=" + text("shiro.demo.go.jp"),
                "uri=" + text("https://demo.go.jp/~shiro")));
    if (ski != null && ski.getKeyIdentifier().length == 20) {
      exactlyThis.add("sKIDHash=" + q(ski.getKeyIdentifier()));
    }
    for (String query : exactlyThis) {
      EntityExchangeResult<byte[]> r = search(query);
      assertThat(r.getStatus().value()).as(query).isEqualTo(200);
      assertThat(r.getResponseHeaders().getContentType())
          .as(query)
          .hasToString("application/pkix-cert");
      assertThat(r.getResponseBody()).as(query).isEqualTo(ee.der());
    }
  }

  @Test
  void severalMatchesAreMultipartAndNoneIs404() throws Exception {
    CertificateRecord a = issue(person("Goro Twice", null), List.of());
    CertificateRecord b = issue(person("Goro Twice", null), List.of());
    EntityExchangeResult<byte[]> r = search("cn=goro%20twice");
    assertThat(r.getStatus().value()).isEqualTo(200);
    assertThat(found(r)).containsExactly(a.der(), b.der());
    EntityExchangeResult<byte[]> none = search("cn=nobody%20at%20all");
    assertThat(none.getStatus().value()).isEqualTo(404);
    assertThat(none.getResponseHeaders().getContentType()).hasToString("application/problem+json");
    assertThat(search("certHash=" + q(new byte[20])).getStatus().value()).isEqualTo(404);
  }

  @Test
  void aSnapshotAnswerSharedWithAnUnlabelledCertificateIncludesIt() throws Exception {
    // The demo's labelled "Taro Kasumigaseki" is in the snapshot; an unlabelled namesake is not.
    CertificateRecord namesake = issue(person("Taro Kasumigaseki", null), List.of());
    Await.await(
        "the snapshot shares the namesake's answer",
        () -> snapshots.current().lookups().shared("cn", "taro kasumigaseki"),
        Duration.ofSeconds(20));
    assertThat(snapshots.current().lookups().completeCertificate("cn", "taro kasumigaseki"))
        .isNull();
    List<byte[]> both = found(search("cn=taro%20kasumigaseki"));
    assertThat(both).hasSize(2).contains(namesake.der());
    // A CA's subject hash is shared with nothing: the snapshot answers it alone.
    String caSubject = Hashes.sha1Value(x.getIssuer().getEncoded("DER")); // osca's
    assertThat(snapshots.current().lookups().shared("sHash", caSubject)).isFalse();
    assertThat(snapshots.current().lookups().completeCertificate("sHash", caSubject)).isNotNull();
    assertThat(snapshots.current().lookups().shared("iHash", caSubject)).isTrue();
  }

  @Test
  void moreMatchesThanTheLimitAre400() throws Exception {
    for (int i = 0; i < 6; i++) {
      issue(person("Rokuro Many", null), List.of());
    }
    EntityExchangeResult<byte[]> r = search("cn=Rokuro%20Many");
    assertThat(r.getStatus().value()).isEqualTo(400);
    assertThat(r.getResponseHeaders().getContentType()).hasToString("application/problem+json");
    assertThat(new String(r.getResponseBody(), StandardCharsets.UTF_8)).contains("more than 5");
    // iHash of the issuing CA matches every certificate it issued: also over the limit, not a
    // partial answer.
    assertThat(
            search("iHash=" + q(Hashes.sha1(x.getIssuer().getEncoded("DER")))).getStatus().value())
        .isEqualTo(400);
  }
}
