package io.gpki.signer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

/**
 * OCSP responses built by {@link OcspResponseBuilder}, parsed back with Bouncy Castle's OCSP
 * client.
 */
class OcspResponseBuilderTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  // Sub-second parts on purpose: everything is encoded in whole seconds.
  private static final Instant PRODUCED = Instant.parse("2030-01-01T10:00:00.750Z");
  private static final Instant NEXT = Instant.parse("2030-01-01T12:00:00.250Z");
  private static final Instant REVOKED_AT = Instant.parse("2029-12-31T09:08:07.600Z");
  private static KeyPair rsa;
  private static KeyPair ec;

  /** A hand-written CaSigner over two in-memory test keys: {@code rsa} and {@code ec}. */
  private static final class TwoKeySigner implements CaSigner {
    @Override
    public Mono<byte[]> sign(String keyId, String algorithm, byte[] data) {
      return Mono.fromCallable(
          () -> {
            Signature s = Signature.getInstance(algorithm);
            s.initSign((keyId.equals("ec") ? ec : rsa).getPrivate());
            s.update(data);
            return s.sign();
          });
    }

    @Override
    public Mono<PublicKey> publicKey(String keyId) {
      return Mono.just((keyId.equals("ec") ? ec : rsa).getPublic());
    }

    @Override
    public Mono<PublicKey> generateKey(String sourceName, String keyId, KeySpec spec) {
      return Mono.error(new UnsupportedOperationException());
    }

    @Override
    public Mono<Boolean> hasKey(String keyId) {
      return Mono.just(true);
    }

    @Override
    public Mono<SignerHealth> health() {
      return Mono.just(new SignerHealth(List.of()));
    }
  }

  private static final OcspResponseBuilder BUILDER = new OcspResponseBuilder(new TwoKeySigner());

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    rsa = g.generateKeyPair();
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec("secp256r1"));
    ec = e.generateKeyPair();
  }

  private static CertID certId(long serial) {
    return new CertID(
        new AlgorithmIdentifier(OIWObjectIdentifiers.idSHA1, DERNull.INSTANCE),
        new DEROctetString(new byte[20]),
        new DEROctetString(
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}),
        new ASN1Integer(serial));
  }

  private static byte[] keyHash(KeyPair keys) {
    return PkiObjectBuilder.keyIdentifier(
        SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
  }

  /** A responder certificate, issued by the RSA key to itself (only its bytes matter here). */
  private static Certificate responderCertificate() throws Exception {
    X509CertificateHolder h =
        new JcaX509v3CertificateBuilder(
                new X500Name("C=JP,O=Test,CN=CA"),
                BigInteger.TEN,
                Date.from(PRODUCED.minusSeconds(60)),
                Date.from(NEXT.plus(Duration.ofDays(30))),
                new X500Name("C=JP,O=Test,CN=OCSP Responder"),
                rsa.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withRSA").build(rsa.getPrivate()));
    return h.toASN1Structure();
  }

  private static OcspResponseTemplate.Single single(
      long serial, OcspResponseTemplate.Status status) {
    return new OcspResponseTemplate.Single(certId(serial), status, PRODUCED, NEXT);
  }

  private static BasicOCSPResp parse(byte[] der, PublicKey responderKey) throws Exception {
    OCSPResp resp = new OCSPResp(der);
    assertThat(resp.getStatus()).isEqualTo(OCSPResp.SUCCESSFUL);
    BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
    assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(responderKey)))
        .isTrue();
    return basic;
  }

  @Test
  void everyStatusIsEncodedInRequestOrderAndSignedByTheResponderKey() throws Exception {
    Certificate cert = responderCertificate();
    OcspResponseTemplate t =
        new OcspResponseTemplate(
            "rsa",
            "SHA256withRSA",
            keyHash(rsa),
            List.of(cert),
            PRODUCED,
            List.of(
                single(1, OcspResponseTemplate.Status.GOOD),
                single(2, new OcspResponseTemplate.Status.Revoked(REVOKED_AT, 1)),
                single(3, new OcspResponseTemplate.Status.Revoked(REVOKED_AT, 0)),
                single(4, OcspResponseTemplate.Status.UNKNOWN)),
            null);
    BasicOCSPResp basic = parse(BUILDER.build(t).block(WAIT), rsa.getPublic());

    assertThat(basic.getVersion()).isEqualTo(1);
    assertThat(basic.getResponderId().toASN1Primitive().getKeyHash()).isEqualTo(keyHash(rsa));
    assertThat(basic.getResponderId().toASN1Primitive().getName()).isNull();
    assertThat(basic.getProducedAt().toInstant()).isEqualTo(Instant.parse("2030-01-01T10:00:00Z"));
    assertThat(basic.getSignatureAlgOID().getId()).isEqualTo("1.2.840.113549.1.1.11");
    assertThat(basic.getCerts()).hasSize(1);
    assertThat(basic.getCerts()[0].getEncoded()).isEqualTo(cert.getEncoded());
    assertThat(basic.getExtensionOIDs().toArray()).isEmpty();

    SingleResp[] r = basic.getResponses();
    assertThat(r).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(r[i].getCertID().toASN1Primitive().getEncoded())
          .as("CertID echoed")
          .isEqualTo(certId(i + 1).getEncoded());
      assertThat(r[i].getThisUpdate().toInstant()).isEqualTo(Instant.parse("2030-01-01T10:00:00Z"));
      assertThat(r[i].getNextUpdate().toInstant()).isEqualTo(Instant.parse("2030-01-01T12:00:00Z"));
      assertThat(r[i].getExtensionOIDs().toArray()).isEmpty();
    }
    assertThat(r[0].getCertStatus()).as("good").isNull();
    RevokedStatus keyCompromise = (RevokedStatus) r[1].getCertStatus();
    assertThat(keyCompromise.getRevocationTime().toInstant())
        .isEqualTo(Instant.parse("2029-12-31T09:08:07Z"));
    assertThat(keyCompromise.hasRevocationReason()).isTrue();
    assertThat(keyCompromise.getRevocationReason()).isEqualTo(1);
    RevokedStatus unspecified = (RevokedStatus) r[2].getCertStatus();
    assertThat(unspecified.hasRevocationReason()).as("unspecified is left out").isFalse();
    assertThat(r[3].getCertStatus()).isInstanceOf(UnknownStatus.class);
  }

  @Test
  void theNonceIsEchoedAndTheCaKeyMaySignWithoutCertificates() throws Exception {
    Extension nonce =
        new Extension(
            OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
            false,
            new DEROctetString(new byte[] {9, 8, 7, 6}).getEncoded());
    OcspResponseTemplate t =
        new OcspResponseTemplate(
            "ec",
            "SHA256withECDSA",
            keyHash(ec),
            List.of(),
            PRODUCED,
            List.of(single(7, OcspResponseTemplate.Status.GOOD)),
            nonce);
    BasicOCSPResp basic = parse(BUILDER.build(t).block(WAIT), ec.getPublic());
    assertThat(basic.getCerts()).as("no certificates field").isEmpty();
    assertThat(basic.getResponderId().toASN1Primitive().getKeyHash()).isEqualTo(keyHash(ec));
    assertThat(basic.getExtensionOIDs().toArray())
        .containsExactly(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    assertThat(basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getEncoded())
        .isEqualTo(nonce.getEncoded());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(OcspErrorResponse.class)
  void errorResponsesAreUnsignedStatuses(OcspErrorResponse e) throws Exception {
    OCSPResp resp = new OCSPResp(e.encoded());
    assertThat(resp.getStatus()).isEqualTo(e.code());
    assertThat(resp.getResponseObject()).isNull();
    assertThat(e.encoded()).containsExactly(0x30, 0x03, 0x0a, 0x01, e.code());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "refused/no single responses, 0",
    "refused/not a nonce extension, 1",
    "refused/nextUpdate not after thisUpdate, 2"
  })
  void badTemplatesAreRefused(String outcome, int c) {
    assertThatThrownBy(
            () -> {
              switch (c) {
                case 0 ->
                    new OcspResponseTemplate(
                        "rsa", "SHA256withRSA", keyHash(rsa), List.of(), PRODUCED, List.of(), null);
                case 1 ->
                    new OcspResponseTemplate(
                        "rsa",
                        "SHA256withRSA",
                        keyHash(rsa),
                        List.of(),
                        PRODUCED,
                        List.of(single(1, OcspResponseTemplate.Status.GOOD)),
                        new Extension(
                            new ASN1ObjectIdentifier("1.2.3.4"), false, new byte[] {5, 0}));
                default ->
                    new OcspResponseTemplate.Single(
                        certId(1), OcspResponseTemplate.Status.GOOD, NEXT, NEXT);
              }
            })
        .as(outcome)
        .isInstanceOf(IllegalArgumentException.class);
  }
}
