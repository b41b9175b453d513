package io.gpki.gateway.ocsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.gateway.web.FastPath;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.testing.Await;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The responder end to end: the gateway boots on a real PostgreSQL with the demo PKI; Bouncy
 * Castle's OCSP client asks over POST and GET and checks every signature against the delegated
 * responder certificate and that certificate against its CA; openssl, a client nobody here wrote,
 * agrees.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // LDAP on a free port: other test JVMs on this machine may hold the default one.
    properties = {"gpki.ocsp.refresh-interval=1s", "gpki.repository.ldap.port=0"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OcspIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final AlgorithmIdentifier SHA256 =
      new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    GatewayTestSupport.register(registry);
  }

  @LocalServerPort int port;
  @Autowired RepositoryStore store;
  @Autowired CaEngine engine;
  @Autowired ResponderCertificates responderCertificates;
  @Autowired List<FastPath.Route> routes;
  @Autowired OcspProperties props;
  @Autowired io.gpki.signer.CaSigner signer;
  @Autowired java.util.function.Function<String, String> keySourceOfCa;
  @Autowired java.time.Clock clock;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;
  @Autowired io.gpki.gateway.ca.RepositoryChanges changes;
  WebTestClient client;
  JsonNode index;

  @BeforeAll
  void ready() throws Exception {
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://127.0.0.1:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));
    index = JSON.readTree(get("/repository"));
    // The pre-signer follows the change log; wait until the demo certificates have answers.
    Await.until(
        "the responder answers the demo certificates",
        () -> ocspOk(demo("private-demo", "REVOKED")) && ocspOk(demo("osca", "VALID")),
        Boolean::booleanValue,
        Duration.ofSeconds(60));
  }

  private boolean ocspOk(JsonNode ee) throws Exception {
    OCSPResp r = post(request(ee, CertificateID.HASH_SHA1, null));
    return r.getStatus() == OCSPResp.SUCCESSFUL;
  }

  @Test
  void goodRevokedAndUnknownOverPostWithSha1AndSha256() throws Exception {
    for (AlgorithmIdentifier hash : List.of(CertificateID.HASH_SHA1, SHA256)) {
      JsonNode valid = demo("osca", "VALID");
      SingleResp good = single(verified(post(request(valid, hash, null)), "osca"));
      assertThat(good.getCertStatus()).as("good").isNull();
      assertThat(good.getCertID().getHashAlgOID()).isEqualTo(hash.getAlgorithm());
      assertThat(good.getNextUpdate()).isAfter(good.getThisUpdate());

      JsonNode revoked = demo("osca", "REVOKED");
      SingleResp r = single(verified(post(request(revoked, hash, null)), "osca"));
      assertThat(r.getCertStatus()).isInstanceOf(RevokedStatus.class);
      RevokedStatus rs = (RevokedStatus) r.getCertStatus();
      CertificateRecord stored = stored("osca", revoked.get("serial").asString());
      assertThat(rs.getRevocationTime().toInstant())
          .isEqualTo(
              Objects.requireNonNull(stored.revocation())
                  .revokedAt()
                  .truncatedTo(ChronoUnit.SECONDS));
      assertThat(rs.getRevocationReason()).isEqualTo(1).isEqualTo(stored.revocation().reason());

      SingleResp unknown =
          single(
              verified(
                  post(request(ca("osca"), new BigInteger("123456789abcdef", 16), hash, null)),
                  "osca"));
      assertThat(unknown.getCertStatus()).isInstanceOf(UnknownStatus.class);
    }
  }

  @Test
  void getCarriesRfc5019CachingHeadersAndAnswersConditionally() throws Exception {
    JsonNode valid = demo("isca", "VALID");
    byte[] der = request(valid, CertificateID.HASH_SHA1, null);
    URI uri = getUri(der);
    EntityExchangeResult<byte[]> r =
        client
            .get()
            .uri(uri)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentType("application/ocsp-response")
            .expectHeader()
            .valueMatches(
                HttpHeaders.CACHE_CONTROL, "max-age=\\d+, public, no-transform, must-revalidate")
            .expectHeader()
            .exists(HttpHeaders.ETAG)
            .expectHeader()
            .exists(HttpHeaders.LAST_MODIFIED)
            .expectHeader()
            .exists(HttpHeaders.EXPIRES)
            .expectBody(byte[].class)
            .returnResult();
    SingleResp good = single(verified(new OCSPResp(r.getResponseBody()), "isca"));
    assertThat(good.getCertStatus()).isNull();
    long maxAge =
        Long.parseLong(
            r.getResponseHeaders().getCacheControl().replaceAll("max-age=(\\d+).*", "$1"));
    assertThat(Instant.now().plusSeconds(maxAge))
        .isBeforeOrEqualTo(good.getNextUpdate().toInstant().plusSeconds(1));
    client
        .get()
        .uri(uri)
        .header(HttpHeaders.IF_NONE_MATCH, r.getResponseHeaders().getETag())
        .exchange()
        .expectStatus()
        .isNotModified();
    // The same request in the URL-safe alphabet without padding, and a revoked certificate.
    String urlSafe =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(request(demo("isca", "REVOKED"), SHA256, null));
    byte[] body =
        client
            .get()
            .uri(URI.create("http://127.0.0.1:" + port + "/ocsp/" + urlSafe))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    SingleResp revoked = single(verified(new OCSPResp(body), "isca"));
    assertThat(((RevokedStatus) revoked.getCertStatus()).getRevocationReason()).isEqualTo(4);
  }

  @Test
  void theFastPathServesThePreSignedAnswersTheHandlerWouldGive() throws Exception {
    OcspFastRoute fast =
        routes.stream()
            .filter(OcspFastRoute.class::isInstance)
            .map(OcspFastRoute.class::cast)
            .findFirst()
            .orElseThrow();
    for (String status : List.of("VALID", "REVOKED")) {
      byte[] der = request(demo("private-demo", status), CertificateID.HASH_SHA1, null);
      // "Connection: close" is never answered on the fast path: these come from the WebFlux
      // handler.
      byte[] slowPost =
          client
              .post()
              .uri("/ocsp")
              .header(HttpHeaders.CONTENT_TYPE, "application/ocsp-request")
              .header(HttpHeaders.CONNECTION, "close")
              .bodyValue(der)
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(byte[].class)
              .returnResult()
              .getResponseBody();
      EntityExchangeResult<byte[]> slowGet =
          client
              .get()
              .uri(getUri(der))
              .header(HttpHeaders.CONNECTION, "close")
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(byte[].class)
              .returnResult();

      FastPath.Answer post =
          fast.answer(
              io.netty.handler.codec.http.HttpMethod.POST,
              "/ocsp",
              Unpooled.wrappedBuffer(der),
              System.nanoTime());
      assertThat(post).as("fast POST " + status).isNotNull();
      assertThat(ByteBufUtil.getBytes(post.body())).isEqualTo(slowPost).isEqualTo(postRaw(der));
      assertThat(post.headers().get("Content-Type")).isEqualTo("application/ocsp-response");

      String path = getUri(der).getRawPath();
      FastPath.Answer get =
          fast.answer(
              io.netty.handler.codec.http.HttpMethod.GET,
              path,
              Unpooled.EMPTY_BUFFER,
              System.nanoTime());
      assertThat(get).as("fast GET " + status).isNotNull();
      assertThat(ByteBufUtil.getBytes(get.body())).isEqualTo(slowGet.getResponseBody());
      HttpHeaders slow = slowGet.getResponseHeaders();
      assertThat(get.headers().get("ETag")).isEqualTo(slow.getETag());
      assertThat(get.headers().get("Last-Modified"))
          .isEqualTo(slow.getFirst(HttpHeaders.LAST_MODIFIED));
      assertThat(get.headers().get("Expires")).isEqualTo(slow.getFirst(HttpHeaders.EXPIRES));
      assertThat(get.headers().get("Cache-Control"))
          .matches("max-age=\\d+, public, no-transform, must-revalidate");
    }
    // Not for the fast path: a nonce (signed live), an unknown issuer, garbage.
    byte[] withNonce =
        request(
            demo("private-demo", "VALID"),
            CertificateID.HASH_SHA1,
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    assertThat(
            fast.answer(
                io.netty.handler.codec.http.HttpMethod.POST,
                "/ocsp",
                Unpooled.wrappedBuffer(withNonce),
                System.nanoTime()))
        .isNull();
    assertThat(
            fast.answer(
                io.netty.handler.codec.http.HttpMethod.POST,
                "/ocsp",
                Unpooled.wrappedBuffer(new byte[] {48, 3, 1, 1, 0}),
                System.nanoTime()))
        .isNull();
    assertThat(
            fast.answer(
                io.netty.handler.codec.http.HttpMethod.GET,
                "/ocsp/not-base64!",
                Unpooled.EMPTY_BUFFER,
                System.nanoTime()))
        .isNull();
  }

  @Test
  void nonceIsEchoedOverPostAndGet() throws Exception {
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    JsonNode valid = demo("private-demo", "VALID");
    byte[] der = request(valid, CertificateID.HASH_SHA1, nonce);
    BasicOCSPResp viaPost = verified(post(der), "private-demo");
    Extension echoed = viaPost.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    assertThat(echoed.getExtnValue().getOctets()).isEqualTo(new DEROctetString(nonce).getEncoded());
    EntityExchangeResult<byte[]> viaGet =
        client
            .get()
            .uri(getUri(der))
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
            .expectBody(byte[].class)
            .returnResult();
    BasicOCSPResp get = verified(new OCSPResp(viaGet.getResponseBody()), "private-demo");
    assertThat(
            get.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets())
        .isEqualTo(new DEROctetString(nonce).getEncoded());
    // RFC 8954: a nonce longer than 32 octets is refused.
    assertThat(post(request(valid, CertificateID.HASH_SHA1, new byte[33])).getStatus())
        .isEqualTo(OCSPResp.MALFORMED_REQUEST);
  }

  @Test
  void malformedAndForeignRequestsGetUnsignedStatuses() throws Exception {
    assertThat(new OCSPResp(postRaw(new byte[] {0x30, 0x03, 0x02, 0x01})).getStatus())
        .isEqualTo(OCSPResp.MALFORMED_REQUEST);
    assertThat(new OCSPResp(postRaw("not asn.1".getBytes(StandardCharsets.US_ASCII))).getStatus())
        .isEqualTo(OCSPResp.MALFORMED_REQUEST);
    assertThat(new OCSPResp(postRaw(new byte[10_000])).getStatus())
        .isEqualTo(OCSPResp.MALFORMED_REQUEST);
    for (String bad : List.of("!!!!", "AAAA", "%ZZ")) {
      byte[] body =
          client
              .get()
              .uri(URI.create("http://127.0.0.1:" + port + "/ocsp/" + bad.replace("%", "%25")))
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(byte[].class)
              .returnResult()
              .getResponseBody();
      assertThat(new OCSPResp(body).getStatus()).as(bad).isEqualTo(OCSPResp.MALFORMED_REQUEST);
    }
    // A CertID naming an issuer we do not serve: the end entity as if it were a CA.
    X509CertificateHolder notOurCa =
        new X509CertificateHolder(get(path(demo("osca", "VALID").get("url").asString())));
    assertThat(post(request(notOurCa, BigInteger.TEN, CertificateID.HASH_SHA1, null)).getStatus())
        .isEqualTo(OCSPResp.UNAUTHORIZED);
  }

  @Test
  void aRevocationReplacesThePreSignedAnswerWithinSeconds() throws Exception {
    JsonNode valid = demo("lgpki-demo", "VALID");
    String serial = valid.get("serial").asString();
    assertThat(
            single(verified(post(request(valid, CertificateID.HASH_SHA1, null)), "lgpki-demo"))
                .getCertStatus())
        .isNull();
    Instant revokedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    engine
        .revoke("lgpki-demo", serial, new Revocation(revokedAt, 3, null))
        .block(Duration.ofSeconds(30));
    // From the commit on, no answer may say good: either revoked (from the store) or a cache miss.
    // tryLater is a correct fail-closed answer while the change is being applied; good never is.
    SingleResp after =
        Await.until(
            "an answer other than tryLater",
            () -> {
              OCSPResp answer = post(request(valid, CertificateID.HASH_SHA1, null));
              return answer.getStatus() == OCSPResp.TRY_LATER
                  ? null
                  : single(verified(answer, "lgpki-demo"));
            },
            java.util.Objects::nonNull,
            Duration.ofSeconds(5));
    assertThat(after.getCertStatus()).isInstanceOf(RevokedStatus.class);
    assertThat(((RevokedStatus) after.getCertStatus()).getRevocationTime().toInstant())
        .isEqualTo(revokedAt);
    assertThat(((RevokedStatus) after.getCertStatus()).getRevocationReason()).isEqualTo(3);
  }

  @Test
  void aRestartedResponderStartsFromTheStoredStatusesAndFollowsTheLogFromThere() throws Exception {
    // A second responder on the same store, as after a restart: the demo PKI is already there.
    long headAtStart = store.changeLog().head().block(Duration.ofSeconds(10));
    try (OcspResponder restarted =
        OcspResponder.create(
            props,
            signer,
            new OcspResponder.StorePorts(
                store.certificates(), store.cas(), store.certificateStatus(), store.changeLog()),
            responderCertificates,
            keySourceOfCa,
            clock,
            meters)) {
      restarted.start(changes.changes());
      Await.await("the restarted responder ready", restarted::ready, Duration.ofSeconds(60));
      for (String status : List.of("VALID", "REVOKED")) {
        byte[] der = request(demo("isca", status), CertificateID.HASH_SHA1, null);
        OcspResult.Answered a = presigned(restarted, der, Duration.ofSeconds(30));
        BasicOCSPResp basic = verified(new OCSPResp(a.response().der()), "isca");
        // The responder certificate came from the snapshot (its DER is kept): no new one was
        // issued.
        BasicOCSPResp running = verified(post(der), "isca");
        assertThat(basic.getCerts()[0].getEncoded()).isEqualTo(running.getCerts()[0].getEncoded());
        if (status.equals("VALID")) {
          assertThat(single(basic).getCertStatus()).isNull();
        } else {
          assertThat(single(basic).getCertStatus()).isInstanceOf(RevokedStatus.class);
        }
      }
      assertThat(
              store
                  .changeLog()
                  .after(headAtStart, 1000)
                  .collectList()
                  .block(Duration.ofSeconds(10)))
          .as("no responder certificate issued for the restart")
          .noneMatch(e -> e.payload().contains("OCSP_SIGNING"));

      // A certificate issued and revoked after the start: followed from the snapshot's position.
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      Instant now = Instant.now();
      CertificateRecord issued =
          engine
              .issue(
                  "isca",
                  new CaEngine.EndEntity(
                      new org.bouncycastle.asn1.x500.X500Name("C=JP,O=Test,CN=restart"),
                      org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(
                          g.generateKeyPair().getPublic().getEncoded()),
                      io.gpki.signer.CertificateProfile.USER_SIGNING,
                      now.minusSeconds(60),
                      now.plus(Duration.ofDays(1)),
                      List.of(),
                      null))
              .block(Duration.ofSeconds(30));
      byte[] der =
          request(
              ca("isca"), new BigInteger(issued.serialHex(), 16), CertificateID.HASH_SHA1, null);
      assertThat(
              single(
                      verified(
                          new OCSPResp(
                              presigned(restarted, der, Duration.ofSeconds(30)).response().der()),
                          "isca"))
                  .getCertStatus())
          .as("pre-signed good after issue")
          .isNull();
      Instant revokedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      engine
          .revoke("isca", issued.serialHex(), new Revocation(revokedAt, 1, null))
          .block(Duration.ofSeconds(30));
      // Never good from here on; revoked from the cache within seconds.
      OcspResult.Answered after =
          (OcspResult.Answered)
              Await.until(
                  "a pre-signed revoked answer",
                  () -> {
                    OcspResult r =
                        restarted
                            .chain()
                            .answer(OcspQuery.of(OCSPRequest.getInstance(der).getTbsRequest()))
                            .block(Duration.ofSeconds(10));
                    if (r instanceof OcspResult.Answered a) {
                      assertThat(
                              single(verified(new OCSPResp(a.response().der()), "isca"))
                                  .getCertStatus())
                          .as("never good after the revocation")
                          .isInstanceOf(RevokedStatus.class);
                    }
                    return r;
                  },
                  r ->
                      r instanceof OcspResult.Answered a
                          && a.origin() == OcspResult.Origin.PRESIGNED,
                  Duration.ofSeconds(10));
      RevokedStatus rs =
          (RevokedStatus)
              single(verified(new OCSPResp(after.response().der()), "isca")).getCertStatus();
      assertThat(rs.getRevocationTime().toInstant()).isEqualTo(revokedAt);
    }
  }

  /** Waits for the pre-signed answer of a responder's chain to a request. */
  private static OcspResult.Answered presigned(OcspResponder responder, byte[] der, Duration wait)
      throws Exception {
    return (OcspResult.Answered)
        Await.until(
            "a pre-signed answer",
            () ->
                responder
                    .chain()
                    .answer(OcspQuery.of(OCSPRequest.getInstance(der).getTbsRequest()))
                    .block(Duration.ofSeconds(10)),
            r -> r instanceof OcspResult.Answered a && a.origin() == OcspResult.Origin.PRESIGNED,
            wait);
  }

  @Test
  void opensslAgreesAndVerifiesTheResponses(@TempDir Path dir) throws Exception {
    assumeThat(OpenSsl.available()).as("openssl installed").isTrue();
    Path caPem =
        OpenSsl.pem(
            dir.resolve("ca.pem"),
            "CERTIFICATE",
            List.of(get(path(ca("private-demo").get("certificate").asString()))));
    String url = null;
    for (String status : List.of("VALID", "REVOKED")) {
      byte[] eeDer = get(path(demo("private-demo", status).get("url").asString()));
      // The certificate's own AIA names the responder: <public-base-url>/ocsp (localhost:8080 by
      // default; this test's server listens on a random port, so only the authority differs).
      URI aia = URI.create(ocspUrlInAia(eeDer));
      assertThat(aia.getPath()).isEqualTo("/ocsp");
      url = "http://127.0.0.1:" + port + aia.getPath();
      Path ee = OpenSsl.pem(dir.resolve("ee.pem"), "CERTIFICATE", List.of(eeDer));
      for (String nonce : List.of("-nonce", "-no_nonce")) {
        OpenSsl.Result r =
            OpenSsl.run(
                List.of(
                    "ocsp",
                    "-issuer",
                    caPem.toString(),
                    "-cert",
                    ee.toString(),
                    "-url",
                    url,
                    "-CAfile",
                    caPem.toString(),
                    "-resp_text",
                    nonce));
        assertThat(r.output())
            .as(r.output())
            .contains("Response verify OK")
            .contains(status.equals("VALID") ? ee + ": good" : ee + ": revoked")
            .contains("OCSP Responder private-demo");
        if (status.equals("REVOKED")) {
          assertThat(r.output()).contains("Reason: keyCompromise");
        }
      }
    }
    OpenSsl.Result unknown =
        OpenSsl.run(
            List.of(
                "ocsp",
                "-issuer",
                caPem.toString(),
                "-serial",
                "0x1234abcd",
                "-url",
                url,
                "-CAfile",
                caPem.toString(),
                "-resp_text"));
    assertThat(unknown.output())
        .as(unknown.output())
        .contains("Response verify OK")
        .contains("0x1234abcd: unknown");
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  /** The id-ad-ocsp URL of a certificate's authorityInfoAccess. */
  private static String ocspUrlInAia(byte[] der) throws Exception {
    org.bouncycastle.asn1.x509.AuthorityInformationAccess aia =
        org.bouncycastle.asn1.x509.AuthorityInformationAccess.fromExtensions(
            new X509CertificateHolder(der).getExtensions());
    assertThat(aia).as("authorityInfoAccess").isNotNull();
    for (org.bouncycastle.asn1.x509.AccessDescription d : aia.getAccessDescriptions()) {
      if (d.getAccessMethod().equals(org.bouncycastle.asn1.x509.AccessDescription.id_ad_ocsp)) {
        return org.bouncycastle.asn1.ASN1IA5String.getInstance(d.getAccessLocation().getName())
            .getString();
      }
    }
    throw new AssertionError("no id-ad-ocsp in authorityInfoAccess");
  }

  /** Checks the signature against the delegated responder certificate, and that against its CA. */
  private BasicOCSPResp verified(OCSPResp resp, String caId) throws Exception {
    assertThat(resp.getStatus()).isEqualTo(OCSPResp.SUCCESSFUL);
    BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
    assertThat(basic.getCerts()).hasSize(1);
    X509CertificateHolder responder = basic.getCerts()[0];
    X509CertificateHolder ca =
        new X509CertificateHolder(get(path(ca(caId).get("certificate").asString())));
    assertThat(responder.getIssuer()).isEqualTo(ca.getSubject());
    assertThat(responder.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca)))
        .isTrue();
    assertThat(
            ExtendedKeyUsage.fromExtensions(responder.getExtensions())
                .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning))
        .isTrue();
    assertThat(responder.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck)).isNotNull();
    assertThat(responder.isValidOn(new java.util.Date())).isTrue();
    assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(responder)))
        .isTrue();
    return basic;
  }

  private static SingleResp single(BasicOCSPResp basic) {
    assertThat(basic.getResponses()).hasSize(1);
    return basic.getResponses()[0];
  }

  private byte[] request(JsonNode ee, AlgorithmIdentifier hash, byte[] nonce) throws Exception {
    return request(
        ca(ee.get("issuerCa").asString()),
        new BigInteger(ee.get("serial").asString(), 16),
        hash,
        nonce);
  }

  private byte[] request(JsonNode ca, BigInteger serial, AlgorithmIdentifier hash, byte[] nonce)
      throws Exception {
    return request(
        new X509CertificateHolder(get(path(ca.get("certificate").asString()))),
        serial,
        hash,
        nonce);
  }

  private static byte[] request(
      X509CertificateHolder issuer, BigInteger serial, AlgorithmIdentifier hash, byte[] nonce)
      throws Exception {
    DigestCalculator digest = new JcaDigestCalculatorProviderBuilder().build().get(hash);
    OCSPReqBuilder b = new OCSPReqBuilder().addRequest(new CertificateID(digest, issuer, serial));
    if (nonce != null) {
      b.setRequestExtensions(
          new Extensions(
              new Extension(
                  OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
                  false,
                  new DEROctetString(nonce).getEncoded())));
    }
    return b.build().getEncoded();
  }

  private OCSPResp post(byte[] der) throws Exception {
    return new OCSPResp(postRaw(der));
  }

  private byte[] postRaw(byte[] der) {
    return client
        .post()
        .uri("/ocsp")
        .header(HttpHeaders.CONTENT_TYPE, "application/ocsp-request")
        .bodyValue(der)
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .contentType("application/ocsp-response")
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  private URI getUri(byte[] der) {
    return URI.create(
        "http://127.0.0.1:"
            + port
            + "/ocsp/"
            + URLEncoder.encode(Base64.getEncoder().encodeToString(der), StandardCharsets.UTF_8));
  }

  private byte[] get(String path) {
    return client
        .get()
        .uri(path)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }

  private CertificateRecord stored(String caId, String serial) {
    return store.certificates().find(caId, serial).block(Duration.ofSeconds(10));
  }

  private JsonNode ca(String id) {
    for (JsonNode ca : index.get("cas")) {
      if (ca.get("id").asString().equals(id)) {
        return ca;
      }
    }
    throw new AssertionError("no CA " + id);
  }

  private JsonNode demo(String caId, String expected) {
    for (JsonNode e : index.get("demo").get("endEntities")) {
      if (e.get("issuerCa").asString().equals(caId)
          && e.get("expectedStatus").asString().equals(expected)) {
        return e;
      }
    }
    throw new AssertionError("no demo certificate " + caId + " " + expected);
  }

  private static String path(String url) {
    return url.replaceFirst("^https?://[^/]+", "");
  }
}
