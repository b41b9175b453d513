package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The service's fetch rounds against an external CA on a local HTTP server: intermediates from AIA
 * caIssuers, CRLs from distribution points (cached), OCSP where the AIA names it, and INDETERMINATE
 * (never VALID) when the status cannot be had.
 */
class ValidationServiceTest {

  static final Instant NOW = Instant.parse("2030-06-01T00:00:00Z");
  static StaticServer server;
  static Scheduler ldap = Schedulers.newBoundedElastic(1, 16, "test-ldap");
  static TestCa root;
  static TestCa sub;
  static ValidationService service;

  @BeforeAll
  static void externalCa() throws Exception {
    server = new StaticServer();
    root = new TestCa("External Root");
    sub = new TestCa("External Sub");
    root.urls(List.of(server.url("/root.crl")), List.of(), List.of());
    Cert subCert = root.certify(sub, List.of(), List.of());
    server.files.put("/sub.cer", subCert.der());
    server.files.put("/root.crl", root.crl(List.of()).der());
    server.posts.put("/ocsp", ValidationServiceTest::ocspAnswer);
    RepositoryView.Content content =
        new RepositoryView.Content(
            1,
            CertPool.of(List.of()),
            CrlSet.of(List.of()),
            Map.of("ext", root.selfSigned.withSource(Source.TRUST_ANCHOR)));
    ValidationProperties props =
        new ValidationProperties(
            List.of("ext"),
            262144,
            100,
            20,
            false,
            new ValidationProperties.Discovery(10, 32, 5000, Duration.ofSeconds(2), 3),
            new ValidationProperties.Fetch(
                Duration.ofSeconds(5),
                1 << 20,
                1 << 20,
                true,
                1,
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                100,
                List.of()),
            new ValidationProperties.Credentials(false, 0, "localhost"),
            true);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Fetcher fetcher =
        new Fetcher(
            new UrlGuard(true),
            Duration.ofSeconds(5),
            ldap,
            CircuitBreakerRegistry.ofDefaults(),
            RetryRegistry.ofDefaults());
    service =
        new ValidationService(
            () -> content,
            new ValidationEngine(Limits.defaults()),
            new RemoteCache(fetcher, props.fetch(), clock),
            new OcspClient(fetcher, clock),
            props);
  }

  static Cert revokedByOcsp;

  /**
   * A minimal OCSP responder signed by the sub CA: revoked for {@link #revokedByOcsp}, else good.
   */
  static byte[] ocspAnswer(byte[] request) {
    try {
      OCSPReq req = new OCSPReq(request);
      BasicOCSPRespBuilder b =
          new BasicOCSPRespBuilder(
              new RespID(new X509CertificateHolder(sub.selfSigned.der()).getSubject()));
      for (Req r : req.getRequestList()) {
        boolean revoked =
            revokedByOcsp != null && r.getCertID().getSerialNumber().equals(revokedByOcsp.serial());
        b.addResponse(
            r.getCertID(),
            revoked
                ? new RevokedStatus(Date.from(NOW.minusSeconds(3600)), CRLReason.superseded)
                : CertificateStatus.GOOD,
            Date.from(NOW.minusSeconds(60)),
            Date.from(NOW.plusSeconds(3600)));
      }
      var nonce = req.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
      if (nonce != null) {
        b.setResponseExtensions(new org.bouncycastle.asn1.x509.Extensions(nonce));
      }
      return new OCSPRespBuilder()
          .build(OCSPRespBuilder.SUCCESSFUL, b.build(sub.signer(), null, Date.from(NOW)))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    server.close();
    ldap.dispose();
  }

  private static ValidationResult validate(Cert ee) {
    return service
        .validate(
            new ValidationRequest(
                ee.withSource(Source.TARGET),
                List.of(),
                "ext",
                ValidationInputs.defaults(NOW),
                null))
        .block(Duration.ofSeconds(30));
  }

  @Test
  void fetchesTheIssuerFromAiaAndCrlsFromDistributionPointsThenCaches() {
    sub.urls(List.of(server.url("/sub.crl")), List.of(server.url("/sub.cer")), List.of());
    Cert ee = sub.endEntity("Subscriber A", List.of());
    server.files.put("/sub.crl", sub.crl(List.of()).der());
    ValidationResult r = validate(ee);
    assertThat(r.outcome()).as(r.toString()).isInstanceOf(Outcome.Valid.class);
    assertThat(r.outcome().path())
        .extracting(Cert::source)
        .containsExactly(Source.TRUST_ANCHOR, Source.AIA, Source.TARGET);
    assertThat(r.outcome().evidence())
        .extracting(RevocationEvidence::location)
        .contains(server.url("/root.crl"), server.url("/sub.crl"));
    int before = server.requests.get();
    Cert ee2 = sub.endEntity("Subscriber B", List.of());
    assertThat(validate(ee2).outcome()).isInstanceOf(Outcome.Valid.class);
    assertThat(server.requests.get())
        .as("CRLs and caIssuers served from the cache")
        .isEqualTo(before);
  }

  @Test
  void reportsRevokedFromAnExternalCrl() {
    sub.urls(List.of(server.url("/sub-revoked.crl")), List.of(server.url("/sub.cer")), List.of());
    Cert ee = sub.endEntity("Revoked Subscriber", List.of());
    server.files.put("/sub-revoked.crl", sub.crl(List.of(ee)).der());
    ValidationResult r = validate(ee);
    assertThat(r.outcome()).isInstanceOf(Outcome.Invalid.class);
    Outcome.Invalid i = (Outcome.Invalid) r.outcome();
    assertThat(i.reason()).isEqualTo(Reason.REVOKED);
    assertThat(i.revoked().reason()).isEqualTo("keyCompromise");
  }

  @Test
  void fetchesTheDeltaCrlNamedByFreshestCrlAndFindsTheRevocationThere() {
    sub.urls(List.of(server.url("/sub-base.crl")), List.of(server.url("/sub.cer")), List.of())
        .freshest(List.of(server.url("/sub-delta.crl")));
    try {
      Cert ee = sub.endEntity("Revoked Since The Base", List.of());
      server.files.put("/sub-base.crl", sub.crl(List.of()).der()); // complete list: not yet revoked
      server.files.put("/sub-delta.crl", sub.deltaCrl(List.of(ee)).der());
      ValidationResult r = validate(ee);
      assertThat(r.outcome()).as(r.toString()).isInstanceOf(Outcome.Invalid.class);
      Outcome.Invalid i = (Outcome.Invalid) r.outcome();
      assertThat(i.reason()).isEqualTo(Reason.REVOKED);
      assertThat(i.revoked().reason()).isEqualTo("superseded");
      assertThat(i.evidence())
          .extracting(RevocationEvidence::location)
          .contains(server.url("/sub-delta.crl"));
    } finally {
      sub.freshest(List.of());
    }
  }

  @Test
  void isIndeterminateWhenTheAnnouncedDeltaCrlCannotBeFetched() {
    sub.urls(List.of(server.url("/sub-base2.crl")), List.of(server.url("/sub.cer")), List.of())
        .freshest(List.of(server.url("/missing-delta.crl")));
    try {
      Cert ee = sub.endEntity("Delta Unavailable", List.of());
      server.files.put("/sub-base2.crl", sub.crl(List.of()).der());
      ValidationResult r = validate(ee);
      assertThat(r.outcome()).as(r.toString()).isInstanceOf(Outcome.Indeterminate.class);
      assertThat(((Outcome.Indeterminate) r.outcome()).reason())
          .isEqualTo(Reason.REVOCATION_UNAVAILABLE);
    } finally {
      sub.freshest(List.of());
    }
  }

  @Test
  void isIndeterminateNeverValidWhenTheCrlCannotBeFetched() {
    sub.urls(List.of(server.url("/missing.crl")), List.of(server.url("/sub.cer")), List.of());
    Cert ee = sub.endEntity("Unknown Status", List.of());
    ValidationResult r = validate(ee);
    assertThat(r.outcome()).isInstanceOf(Outcome.Indeterminate.class);
    assertThat(((Outcome.Indeterminate) r.outcome()).reason())
        .isEqualTo(Reason.REVOCATION_UNAVAILABLE);
    assertThat(r.fetchProblems())
        .anySatisfy(p -> assertThat(p).contains("/missing.crl").contains("404"));
  }

  @Test
  void asksOcspWhenTheAiaNamesAResponderAndThereIsNoCrl() {
    sub.urls(List.of(), List.of(server.url("/sub.cer")), List.of(server.url("/ocsp")));
    Cert good = sub.endEntity("OCSP Good", List.of());
    ValidationResult r = validate(good);
    assertThat(r.outcome()).as(r.toString()).isInstanceOf(Outcome.Valid.class);
    assertThat(r.outcome().evidence()).anySatisfy(e -> assertThat(e.kind()).isEqualTo("OCSP"));
    revokedByOcsp = sub.endEntity("OCSP Revoked", List.of());
    ValidationResult rr = validate(revokedByOcsp);
    assertThat(rr.outcome()).isInstanceOf(Outcome.Invalid.class);
    assertThat(((Outcome.Invalid) rr.outcome()).revoked().reason()).isEqualTo("superseded");
  }

  @Test
  void testCenterRequestsBringTheirOwnAnchorsCrlsAndTime() {
    // PKITS 4.4.3 (revoked EE) and 4.4.1 (valid CA, missing CRL) through the service, as a
    // conformance
    // suite would send them in test-center mode.
    Cert anchor =
        Cert.parse(PkitsTest.read("certs/TrustAnchorRootCertificate.crt"), Source.TRUST_ANCHOR);
    Cert good = Cert.parse(PkitsTest.read("certs/GoodCACert.crt"), Source.REQUEST);
    List<CrlInfo> crls =
        List.of(
            CrlInfo.parse(PkitsTest.read("crls/TrustAnchorRootCRL.crl"), "request"),
            CrlInfo.parse(PkitsTest.read("crls/GoodCACRL.crl"), "request"));
    Instant pkitsTime = Instant.parse("2011-04-15T00:00:00Z");
    Cert revoked = Cert.parse(PkitsTest.read("certs/InvalidRevokedEETest3EE.crt"), Source.TARGET);
    ValidationResult r =
        service
            .validate(
                new ValidationRequest(
                    revoked,
                    List.of(good),
                    "ignored",
                    ValidationInputs.defaults(pkitsTime),
                    new ValidationRequest.TestCenter(List.of(anchor), crls)))
            .block(Duration.ofSeconds(30));
    assertThat(r.anchorId()).isEqualTo("request");
    assertThat(((Outcome.Invalid) r.outcome()).reason()).isEqualTo(Reason.REVOKED);
    Cert valid = Cert.parse(PkitsTest.read("certs/ValidCertificatePathTest1EE.crt"), Source.TARGET);
    ValidationResult v =
        service
            .validate(
                new ValidationRequest(
                    valid,
                    List.of(good),
                    "ignored",
                    ValidationInputs.defaults(pkitsTime),
                    new ValidationRequest.TestCenter(List.of(anchor), crls)))
            .block(Duration.ofSeconds(30));
    assertThat(v.outcome()).isInstanceOf(Outcome.Valid.class);
  }

  @Test
  void refusesTestCenterMaterialWhenTheModeIsOff() {
    ValidationJson json =
        new ValidationJson(
            new ValidationProperties(
                List.of("ext"),
                262144,
                100,
                20,
                false,
                new ValidationProperties.Discovery(10, 32, 5000, Duration.ofSeconds(2), 3),
                new ValidationProperties.Fetch(
                    Duration.ofSeconds(5),
                    1 << 20,
                    1 << 20,
                    true,
                    1,
                    Duration.ofSeconds(30),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(1),
                    100,
                    List.of()),
                new ValidationProperties.Credentials(false, 0, "localhost"),
                true));
    var req =
        ValidationJson.MAPPER
            .createObjectNode()
            .put(
                "certificate", java.util.Base64.getEncoder().encodeToString(root.selfSigned.der()));
    req.putObject("testCenter").putArray("trustAnchors").add("AAAA");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> json.request(req, NOW))
        .hasMessageContaining("test-center mode is not enabled");
  }

  @Test
  void unknownIssuerWithoutAiaIsNoPath() {
    TestCa stranger = new TestCa("Stranger");
    ValidationResult r = validate(stranger.endEntity("Nobody", List.of()));
    assertThat(r.outcome()).isInstanceOf(Outcome.Invalid.class);
    assertThat(((Outcome.Invalid) r.outcome()).reason()).isEqualTo(Reason.NO_PATH);
  }
}
