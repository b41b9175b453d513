package io.gpki.gateway.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.gpki.gateway.ocsp.OcspFakes.FakeSigner;
import io.gpki.gateway.ocsp.OcspFakes.FakeStore;
import io.gpki.gateway.ocsp.OcspFakes.TestClock;
import io.gpki.sync.Revocation;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.Request;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The status-source chain with hand-written fakes of the store and the signer. */
class StatusSourceChainTest {

  private static final Duration VERIFY = Duration.ofSeconds(10);
  private static final BigInteger GOOD = BigInteger.valueOf(0x1001);
  private static final BigInteger REVOKED = BigInteger.valueOf(0x1002);
  private static final Instant REVOKED_AT = Instant.parse("2029-12-31T10:11:12Z");

  private final TestClock clock = new TestClock();
  private final FakeSigner signer = new FakeSigner();
  private final FakeStore store = new FakeStore();
  private final AtomicReference<IssuerDirectory> directory = new AtomicReference<>();
  private Issuer issuer;
  private PresignedCache cache;
  private StatusSource chain;

  @BeforeEach
  void chain() {
    issuer = OcspFakes.issuer(signer, "testca", 1);
    directory.set(new IssuerDirectory(List.of(issuer), Set.of(), true));
    store.add("testca", 1, GOOD, null);
    store.add("testca", 1, REVOKED, new Revocation(REVOKED_AT, 1, null));
    store.add("testca", 2, BigInteger.valueOf(0x1003), null);
    build(1);
  }

  private void build(int liveBudget) {
    LiveSigner live =
        new LiveSigner(
            new ResponseSigner(signer),
            clock,
            Duration.ofHours(2),
            Duration.ofSeconds(2),
            Bulkhead.of(
                "test-live",
                BulkheadConfig.custom()
                    .maxConcurrentCalls(liveBudget)
                    .maxWaitDuration(Duration.ZERO)
                    .build()));
    RepositoryStatusSource repository =
        new RepositoryStatusSource(
            store,
            Duration.ofSeconds(2),
            CircuitBreaker.ofDefaults("test-repo"),
            Bulkhead.ofDefaults("test-repo"),
            live);
    cache =
        new PresignedCache(
            clock, Duration.ofMinutes(1), Duration.ofMinutes(5), repository::lookup, repository);
    cache.synced(clock.instant(), 0);
    chain = new RequestFilter(directory::get, 4, cache);
  }

  @Test
  void aPresignedAnswerIsServedWithoutSigning() throws Exception {
    presign(GOOD, false);
    int before = signer.signatures.get();
    OcspResult r = answer(query(null, certId(GOOD)));
    assertThat(r).isInstanceOf(OcspResult.Answered.class);
    assertThat(((OcspResult.Answered) r).origin()).isEqualTo(OcspResult.Origin.PRESIGNED);
    assertThat(signer.signatures.get()).isEqualTo(before);
    assertThat(single(r).getCertStatus()).isNull();
  }

  @Test
  void aMissIsAnsweredFromTheStoreAndSignedLive() throws Exception {
    OcspResult good = answer(query(null, certId(GOOD)));
    assertThat(((OcspResult.Answered) good).origin()).isEqualTo(OcspResult.Origin.LIVE);
    assertThat(single(good).getCertStatus()).isNull();
    SingleResp revoked = single(answer(query(null, certId(REVOKED))));
    assertThat(((RevokedStatus) revoked.getCertStatus()).getRevocationTime().toInstant())
        .isEqualTo(REVOKED_AT);
    assertThat(((RevokedStatus) revoked.getCertStatus()).getRevocationReason()).isEqualTo(1);
    assertThat(single(answer(query(null, certId(BigInteger.valueOf(0xdead))))).getCertStatus())
        .isInstanceOf(UnknownStatus.class);
  }

  @Test
  void theSameSerialUnderAnotherKeyGenerationIsUnknown() throws Exception {
    assertThat(single(answer(query(null, certId(BigInteger.valueOf(0x1003))))).getCertStatus())
        .isInstanceOf(UnknownStatus.class);
  }

  @Test
  void aNonceIsSignedLiveAndEchoed() throws Exception {
    presign(GOOD, false);
    byte[] nonce = new DEROctetString(new byte[16]).getEncoded();
    OcspResult r =
        answer(
            query(
                new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, nonce),
                certId(GOOD)));
    assertThat(((OcspResult.Answered) r).origin()).isEqualTo(OcspResult.Origin.LIVE);
    assertThat(((OcspResult.Answered) r).response().cacheable()).isFalse();
    BasicOCSPResp basic = basic(r);
    assertThat(
            basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets())
        .isEqualTo(nonce);
  }

  @Test
  void malformedRequestsAreRefused() throws Exception {
    assertRefused(
        query(
            new Extension(
                OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
                false,
                new DEROctetString(new byte[33]).getEncoded()),
            certId(GOOD)),
        OcspStatus.MALFORMED_REQUEST);
    assertRefused(
        query(
            new Extension(
                OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
                false,
                new DEROctetString(new byte[0]).getEncoded()),
            certId(GOOD)),
        OcspStatus.MALFORMED_REQUEST);
    assertRefused(
        query(
            new Extension(
                new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.2.3.4"), true, new byte[] {5, 0}),
            certId(GOOD)),
        OcspStatus.MALFORMED_REQUEST);
    assertRefused(query(null), OcspStatus.MALFORMED_REQUEST);
    CertID id = certId(GOOD);
    assertRefused(query(null, id, id, id, id, id), OcspStatus.MALFORMED_REQUEST);
  }

  @Test
  void issuersWeDoNotServeAreUnauthorizedAndPendingOnesTryLater() {
    Issuer other = OcspFakes.issuer(signer, "other", 1);
    CertID foreign = other.certId(Issuer.SHA1, GOOD);
    assertRefused(query(null, foreign), OcspStatus.UNAUTHORIZED);
    directory.set(new IssuerDirectory(List.of(issuer), Set.of(other.key(Issuer.SHA1)), true));
    assertRefused(query(null, foreign), OcspStatus.TRY_LATER);
    directory.set(IssuerDirectory.NOT_LOADED);
    assertRefused(query(null, certId(GOOD)), OcspStatus.TRY_LATER);
  }

  @Test
  void overTheLiveBudgetTheAnswerIsTryLater() {
    signer.override = Mono::never;
    StepVerifier.create(
            Mono.zip(
                chain
                    .answer(query(null, certId(GOOD)))
                    .timeout(Duration.ofMillis(300))
                    .onErrorResume(e -> Mono.empty())
                    .defaultIfEmpty(new OcspResult.Refused(OcspStatus.INTERNAL_ERROR, "pending")),
                Mono.delay(Duration.ofMillis(50)).then(chain.answer(query(null, certId(REVOKED))))))
        .assertNext(
            t -> {
              assertThat(t.getT2())
                  .isEqualTo(
                      new OcspResult.Refused(
                          OcspStatus.TRY_LATER, "live signing budget exhausted"));
            })
        .expectComplete()
        .verify(Duration.ofSeconds(30));
  }

  @Test
  void anUnavailableStoreGivesTryLaterNeverGood() {
    store.failing = true;
    assertRefused(query(null, certId(GOOD)), OcspStatus.TRY_LATER);
  }

  @Test
  void whileALocalChangeIsPendingTheStoreMustConfirmACachedAnswer() throws Exception {
    presign(GOOD, false);
    store.revoke("testca", GOOD.toString(16), new Revocation(REVOKED_AT, 4, null)).block(VERIFY);
    cache.changed();
    OcspResult r = answer(query(null, certId(GOOD)));
    assertThat(((OcspResult.Answered) r).origin()).isEqualTo(OcspResult.Origin.LIVE);
    assertThat(((RevokedStatus) single(r).getCertStatus()).getRevocationReason()).isEqualTo(4);
    // A cached answer the store confirms is still served while pending.
    presign(REVOKED, true);
    assertThat(((OcspResult.Answered) answer(query(null, certId(REVOKED)))).origin())
        .isEqualTo(OcspResult.Origin.PRESIGNED);
    // Once a round applied the change, hits are served without asking the store.
    cache.synced(clock.instant(), cache.signals());
    store.failing = true;
    assertThat(((OcspResult.Answered) answer(query(null, certId(REVOKED)))).origin())
        .isEqualTo(OcspResult.Origin.PRESIGNED);
  }

  @Test
  void aStaleCacheOrANearlyExpiredAnswerIsNotServed() throws Exception {
    presign(GOOD, false);
    clock.advance(Duration.ofMinutes(6));
    assertThat(((OcspResult.Answered) answer(query(null, certId(GOOD)))).origin())
        .isEqualTo(OcspResult.Origin.LIVE);
    cache.synced(clock.instant(), 0);
    clock.advance(Duration.ofMinutes(115));
    cache.synced(clock.instant(), 0);
    assertThat(((OcspResult.Answered) answer(query(null, certId(GOOD)))).origin())
        .isEqualTo(OcspResult.Origin.LIVE);
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  private void presign(BigInteger serial, boolean revoked) {
    CertState state = revoked ? new CertState.Revoked(REVOKED_AT, 1) : CertState.GOOD;
    CertID id = certId(serial);
    SignedResponse r =
        new ResponseSigner(signer)
            .sign(
                issuer.responder(),
                List.of(
                    ResponseSigner.single(
                        id, state, clock.instant(), clock.instant().plus(Duration.ofHours(2)))),
                null,
                clock.instant())
            .block(VERIFY);
    cache.put(id, r, revoked);
  }

  private CertID certId(BigInteger serial) {
    return issuer.certId(Issuer.SHA1, serial);
  }

  private static OcspQuery query(Extension nonce, CertID... ids) {
    ASN1Encodable[] requests = new ASN1Encodable[ids.length];
    for (int i = 0; i < ids.length; i++) {
      requests[i] = new Request(ids[i], (Extensions) null);
    }
    return OcspQuery.of(
        new TBSRequest(
            (GeneralName) null,
            new DERSequence(requests),
            nonce == null ? null : new Extensions(nonce)));
  }

  private OcspResult answer(OcspQuery q) {
    return chain.answer(q).block(VERIFY);
  }

  private void assertRefused(OcspQuery q, OcspStatus status) {
    StepVerifier.create(chain.answer(q))
        .assertNext(
            r ->
                assertThat(r)
                    .isInstanceOfSatisfying(
                        OcspResult.Refused.class, x -> assertThat(x.status()).isEqualTo(status)))
        .expectComplete()
        .verify(VERIFY);
  }

  private BasicOCSPResp basic(OcspResult r) throws Exception {
    OCSPResp resp = new OCSPResp(((OcspResult.Answered) r).response().der());
    BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
    assertThat(
            basic.isSignatureValid(
                new JcaContentVerifierProviderBuilder()
                    .build(signer.keys.get("testca-g1").getPublic())))
        .isTrue();
    return basic;
  }

  private SingleResp single(OcspResult r) throws Exception {
    SingleResp[] all = basic(r).getResponses();
    assertThat(all).hasSize(1);
    return all[0];
  }
}
