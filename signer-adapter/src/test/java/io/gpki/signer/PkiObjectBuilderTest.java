package io.gpki.signer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

/**
 * Certificates and CRLs built by {@link PkiObjectBuilder}: extensions per profile, signatures,
 * scope.
 */
class PkiObjectBuilderTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final X500Name CA = new X500Name("C=JP,O=Test,OU=CA");
  private static KeyPair caKeys;
  private static KeyPair subjectKeys;
  private static PkiObjectBuilder builder;

  /** A hand-written CaSigner over one in-memory test key. */
  private static final class OneKeySigner implements CaSigner {
    @Override
    public Mono<byte[]> sign(String keyId, String algorithm, byte[] data) {
      return Mono.fromCallable(
          () -> {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(caKeys.getPrivate());
            s.update(data);
            return s.sign();
          });
    }

    @Override
    public Mono<PublicKey> publicKey(String keyId) {
      return Mono.just(caKeys.getPublic());
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

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    caKeys = g.generateKeyPair();
    subjectKeys = g.generateKeyPair();
    builder = new PkiObjectBuilder(new OneKeySigner());
  }

  private static CertificateTemplate template(
      CertificateProfile profile, List<CertificateTemplate.PolicyMapping> maps) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return new CertificateTemplate(
        CA,
        "ca-g1",
        "SHA256withRSA",
        PkiObjectBuilder.keyIdentifier(
            SubjectPublicKeyInfo.getInstance(caKeys.getPublic().getEncoded())),
        new X500Name("C=JP,O=Test,CN=Subject"),
        SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded()),
        new BigInteger("123456789abcdef0123456789abcdef", 16),
        now,
        now.plus(Duration.ofDays(30)),
        profile,
        List.of("2.999.1"),
        maps,
        profile.isCa() ? 1 : null,
        null,
        null,
        List.of(
            "http://repo.test/crl/ca.crl",
            "ldap://repo.test/OU=CA,O=Test,C=JP?certificateRevocationList;binary"),
        List.of("http://repo.test/ca/ca.p7c"),
        profile.isCa() ? List.of() : List.of("http://repo.test/ocsp"),
        profile == CertificateProfile.SERVER_TLS
            ? List.of(new GeneralName(GeneralName.dNSName, "srv.test"))
            : List.of());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(CertificateProfile.class)
  void everyProfileCarriesKeyIdentifiersAccessPointsAndItsUsages(CertificateProfile profile)
      throws Exception {
    List<CertificateTemplate.PolicyMapping> maps =
        profile == CertificateProfile.CROSS_CA
            ? List.of(new CertificateTemplate.PolicyMapping("2.999.1", "2.999.2"))
            : List.of();
    X509CertificateHolder cert = builder.certificate(template(profile, maps)).block(WAIT);

    assertThat(
            cert.isSignatureValid(
                new JcaContentVerifierProviderBuilder().build(caKeys.getPublic())))
        .isTrue();
    assertThat(cert.getVersionNumber()).isEqualTo(3);
    assertThat(cert.getSerialNumber())
        .isEqualTo(new BigInteger("123456789abcdef0123456789abcdef", 16));
    assertThat(AuthorityKeyIdentifier.fromExtensions(cert.getExtensions()).getKeyIdentifierOctets())
        .isEqualTo(
            PkiObjectBuilder.keyIdentifier(
                SubjectPublicKeyInfo.getInstance(caKeys.getPublic().getEncoded())));
    assertThat(SubjectKeyIdentifier.fromExtensions(cert.getExtensions()).getKeyIdentifier())
        .isEqualTo(PkiObjectBuilder.keyIdentifier(cert.getSubjectPublicKeyInfo()));
    CRLDistPoint cdp = CRLDistPoint.fromExtensions(cert.getExtensions());
    assertThat(cdp.getDistributionPoints()[0].getDistributionPoint().toString())
        .contains("http://repo.test/crl/ca.crl")
        .contains("ldap://repo.test/");
    AuthorityInformationAccess aia =
        AuthorityInformationAccess.fromExtensions(cert.getExtensions());
    assertThat(aia.getAccessDescriptions()).hasSize(profile.isCa() ? 1 : 2);
    assertThat(CertificatePolicies.fromExtensions(cert.getExtensions()).getPolicyInformation())
        .hasSize(1);

    Extension ku = cert.getExtension(Extension.keyUsage);
    assertThat(ku.isCritical()).isTrue();
    KeyUsage usage = KeyUsage.fromExtensions(cert.getExtensions());
    BasicConstraints bc = BasicConstraints.fromExtensions(cert.getExtensions());
    ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(cert.getExtensions());
    switch (profile) {
      case SELF_SIGNED_CA, CROSS_CA, LINK -> {
        assertThat(bc.isCA()).isTrue();
        assertThat(cert.getExtension(Extension.basicConstraints).isCritical()).isTrue();
        assertThat(bc.getPathLenConstraint()).isEqualTo(BigInteger.ONE);
        assertThat(usage.hasUsages(KeyUsage.keyCertSign | KeyUsage.cRLSign)).isTrue();
        assertThat(usage.hasUsages(KeyUsage.digitalSignature)).isFalse();
      }
      case OFFICIAL_SIGNING, USER_SIGNING -> {
        assertThat(bc).isNull();
        assertThat(usage.hasUsages(KeyUsage.digitalSignature | KeyUsage.nonRepudiation)).isTrue();
        assertThat(usage.hasUsages(KeyUsage.keyCertSign)).isFalse();
      }
      case ENCRYPTION -> assertThat(usage.hasUsages(KeyUsage.keyEncipherment)).isTrue();
      case SERVER_TLS -> {
        assertThat(eku.hasKeyPurposeId(KeyPurposeId.id_kp_serverAuth)).isTrue();
        assertThat(cert.getExtension(Extension.subjectAlternativeName)).isNotNull();
      }
      case CLIENT_TLS -> assertThat(eku.hasKeyPurposeId(KeyPurposeId.id_kp_clientAuth)).isTrue();
      case OCSP_SIGNING -> {
        assertThat(eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)).isTrue();
        assertThat(
                cert.getExtension(
                    new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.48.1.5")))
            .isNotNull();
      }
    }
    Extension mappings = cert.getExtension(Extension.policyMappings);
    if (profile == CertificateProfile.CROSS_CA) {
      assertThat(mappings.isCritical()).isTrue();
      ASN1Sequence pair =
          ASN1Sequence.getInstance(
              ASN1Sequence.getInstance(mappings.getParsedValue()).getObjectAt(0));
      assertThat(pair.getObjectAt(0).toString()).isEqualTo("2.999.1");
      assertThat(pair.getObjectAt(1).toString()).isEqualTo("2.999.2");
    } else {
      assertThat(mappings).isNull();
    }
    // The JDK parses what Bouncy Castle built.
    var jdk =
        (java.security.cert.X509Certificate)
            java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(cert.getEncoded()));
    jdk.verify(caKeys.getPublic());
  }

  @Test
  void policyMappingsOutsideCrossCertificatesAreRefused() {
    assertThatThrownBy(
            () ->
                template(
                    CertificateProfile.OFFICIAL_SIGNING,
                    List.of(new CertificateTemplate.PolicyMapping("2.999.1", "2.999.2"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void crlAndArlCarryNumberScopeAndEntriesWithReasons() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] aki =
        PkiObjectBuilder.keyIdentifier(
            SubjectPublicKeyInfo.getInstance(caKeys.getPublic().getEncoded()));
    List<CrlTemplate.Entry> entries =
        List.of(
            new CrlTemplate.Entry(
                BigInteger.valueOf(7),
                now.minusSeconds(60),
                CRLReason.keyCompromise,
                now.minusSeconds(3600)),
            new CrlTemplate.Entry(
                BigInteger.valueOf(8), now.minusSeconds(30), CRLReason.unspecified, null));
    for (CrlScope scope : CrlScope.values()) {
      X509CRLHolder crl =
          builder
              .crl(
                  new CrlTemplate(
                      CA,
                      "ca-g1",
                      "SHA256withRSA",
                      aki,
                      scope,
                      BigInteger.valueOf(42),
                      now,
                      now.plus(Duration.ofHours(2)),
                      List.of("http://repo.test/" + scope + ".crl"),
                      entries))
              .block(WAIT);
      assertThat(
              crl.isSignatureValid(
                  new JcaContentVerifierProviderBuilder().build(caKeys.getPublic())))
          .isTrue();
      assertThat(crl.getExtension(Extension.cRLNumber).getParsedValue().toString()).isEqualTo("42");
      Extension idpExt = crl.getExtension(Extension.issuingDistributionPoint);
      assertThat(idpExt.isCritical()).isTrue();
      IssuingDistributionPoint idp = IssuingDistributionPoint.getInstance(idpExt.getParsedValue());
      assertThat(idp.onlyContainsCACerts()).isEqualTo(scope == CrlScope.ARL);
      assertThat(idp.onlyContainsUserCerts()).isEqualTo(scope == CrlScope.CRL);
      assertThat(idp.getDistributionPoint().toString())
          .contains("http://repo.test/" + scope + ".crl");
      assertThat(crl.getNextUpdate().toInstant()).isEqualTo(now.plus(Duration.ofHours(2)));
      var seven = crl.getRevokedCertificate(BigInteger.valueOf(7));
      assertThat(
              CRLReason.getInstance(
                      seven.getExtensions().getExtension(Extension.reasonCode).getParsedValue())
                  .getValue()
                  .intValue())
          .isEqualTo(CRLReason.keyCompromise);
      assertThat(seven.getExtensions().getExtension(Extension.invalidityDate)).isNotNull();
      assertThat(crl.getRevokedCertificate(BigInteger.valueOf(8)).hasExtensions())
          .as("reason unspecified is left out (RFC 5280 5.3.1)")
          .isFalse();
    }
  }

  @Test
  void serialNumbersMustBePositive() {
    assertThatThrownBy(
            () ->
                new CertificateTemplate(
                    CA,
                    "k",
                    "SHA256withRSA",
                    new byte[] {1},
                    CA,
                    SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded()),
                    BigInteger.ZERO,
                    Instant.now(),
                    Instant.now().plusSeconds(1),
                    CertificateProfile.SELF_SIGNED_CA,
                    List.of(),
                    List.of(),
                    null,
                    null,
                    null,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
