package io.gpki.gateway.validation;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyMappings;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test CA with a P-256 key (fast to generate) that issues certificates and CRLs. */
final class TestCa {

  private static final AtomicLong SERIAL = new AtomicLong(1000);
  static final Instant NOT_BEFORE = Instant.parse("2020-01-01T00:00:00Z");
  static final Instant NOT_AFTER = Instant.parse("2040-01-01T00:00:00Z");

  final X500Name name;
  final KeyPair keys;
  final Cert selfSigned;
  private List<String> cdp = List.of();
  private List<String> caIssuers = List.of();
  private List<String> ocsp = List.of();
  private List<String> freshest = List.of();

  private final boolean rsa;

  TestCa(String cn) {
    this(cn, false);
  }

  /** A CA with an RSA-2048 key when {@code rsa}, else P-256. */
  TestCa(String cn, boolean rsa) {
    this.rsa = rsa;
    this.name = new X500Name("CN=" + cn + ",O=Topology Test,C=JP");
    this.keys = rsa ? rsaKey() : newKey();
    this.selfSigned = issue(this.name, keys.getPublic().getEncoded(), true, List.of(), List.of());
  }

  /** URLs put into certificates issued from now on. */
  TestCa urls(List<String> cdp, List<String> caIssuers, List<String> ocsp) {
    this.cdp = cdp;
    this.caIssuers = caIssuers;
    this.ocsp = ocsp;
    return this;
  }

  /** Delta-CRL URLs (freshestCRL, RFC 5280 4.2.1.15) put into certificates issued from now on. */
  TestCa freshest(List<String> urls) {
    this.freshest = urls;
    return this;
  }

  static KeyPair rsaKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair newKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CA certificate for {@code subject} (cross-certificate when it is another CA). */
  Cert certify(TestCa subject, List<String> policies, List<String[]> mappings) {
    return issue(subject.name, subject.keys.getPublic().getEncoded(), true, policies, mappings);
  }

  /** An end-entity certificate. */
  Cert endEntity(String cn, List<String> policies) {
    return issue(
        new X500Name("CN=" + cn + ",O=Topology Test,C=JP"),
        (rsa ? rsaKey() : newKey()).getPublic().getEncoded(),
        false,
        policies,
        List.of());
  }

  Cert issue(
      X500Name subject, byte[] spki, boolean ca, List<String> policies, List<String[]> mappings) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(spki);
      X509v3CertificateBuilder b =
          new X509v3CertificateBuilder(
              name,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(NOT_BEFORE),
              Date.from(NOT_AFTER),
              subject,
              info);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(info));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          ext.createAuthorityKeyIdentifier(
              SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())));
      if (!policies.isEmpty()) {
        b.addExtension(
            Extension.certificatePolicies,
            false,
            new CertificatePolicies(
                policies.stream()
                    .map(p -> new PolicyInformation(new ASN1ObjectIdentifier(p)))
                    .toArray(PolicyInformation[]::new)));
      }
      if (!cdp.isEmpty()) {
        b.addExtension(
            Extension.cRLDistributionPoints,
            false,
            new org.bouncycastle.asn1.x509.CRLDistPoint(
                new org.bouncycastle.asn1.x509.DistributionPoint[] {
                  new org.bouncycastle.asn1.x509.DistributionPoint(
                      new org.bouncycastle.asn1.x509.DistributionPointName(
                          new org.bouncycastle.asn1.x509.GeneralNames(
                              cdp.stream()
                                  .map(
                                      u ->
                                          new org.bouncycastle.asn1.x509.GeneralName(
                                              org.bouncycastle.asn1.x509.GeneralName
                                                  .uniformResourceIdentifier,
                                              u))
                                  .toArray(org.bouncycastle.asn1.x509.GeneralName[]::new))),
                      null,
                      null)
                }));
      }
      if (!freshest.isEmpty()) {
        b.addExtension(
            Extension.freshestCRL,
            false,
            new org.bouncycastle.asn1.x509.CRLDistPoint(
                new org.bouncycastle.asn1.x509.DistributionPoint[] {
                  new org.bouncycastle.asn1.x509.DistributionPoint(
                      new org.bouncycastle.asn1.x509.DistributionPointName(
                          new org.bouncycastle.asn1.x509.GeneralNames(
                              freshest.stream()
                                  .map(
                                      u ->
                                          new org.bouncycastle.asn1.x509.GeneralName(
                                              org.bouncycastle.asn1.x509.GeneralName
                                                  .uniformResourceIdentifier,
                                              u))
                                  .toArray(org.bouncycastle.asn1.x509.GeneralName[]::new))),
                      null,
                      null)
                }));
      }
      if (!caIssuers.isEmpty() || !ocsp.isEmpty()) {
        List<org.bouncycastle.asn1.x509.AccessDescription> ads = new java.util.ArrayList<>();
        caIssuers.forEach(
            u ->
                ads.add(
                    new org.bouncycastle.asn1.x509.AccessDescription(
                        org.bouncycastle.asn1.x509.AccessDescription.id_ad_caIssuers,
                        new org.bouncycastle.asn1.x509.GeneralName(
                            org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier, u))));
        ocsp.forEach(
            u ->
                ads.add(
                    new org.bouncycastle.asn1.x509.AccessDescription(
                        org.bouncycastle.asn1.x509.AccessDescription.id_ad_ocsp,
                        new org.bouncycastle.asn1.x509.GeneralName(
                            org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier, u))));
        b.addExtension(
            Extension.authorityInfoAccess,
            false,
            new org.bouncycastle.asn1.x509.AuthorityInformationAccess(
                ads.toArray(org.bouncycastle.asn1.x509.AccessDescription[]::new)));
      }
      if (!mappings.isEmpty()) {
        b.addExtension(
            Extension.policyMappings,
            false,
            new DERSequence(
                mappings.stream()
                    .map(
                        m ->
                            new PolicyMappings(
                                    new org.bouncycastle.asn1.x509.CertPolicyId[] {
                                      org.bouncycastle.asn1.x509.CertPolicyId.getInstance(
                                          new ASN1ObjectIdentifier(m[0]))
                                    },
                                    new org.bouncycastle.asn1.x509.CertPolicyId[] {
                                      org.bouncycastle.asn1.x509.CertPolicyId.getInstance(
                                          new ASN1ObjectIdentifier(m[1]))
                                    })
                                .toASN1Primitive())
                    .map(s -> ((org.bouncycastle.asn1.ASN1Sequence) s).getObjectAt(0))
                    .toArray(org.bouncycastle.asn1.ASN1Encodable[]::new)));
      }
      return Cert.parse(b.build(signer()).getEncoded(), Source.REQUEST);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CRL revoking {@code revoked} (keyCompromise), valid 2020..2040. */
  CrlInfo crl(List<Cert> revoked) {
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(name, Date.from(NOT_BEFORE));
      b.setNextUpdate(Date.from(NOT_AFTER));
      for (Cert c : revoked) {
        b.addCRLEntry(c.serial(), Date.from(NOT_BEFORE), CRLReason.keyCompromise);
      }
      b.addExtension(
          Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
      return CrlInfo.parse(b.build(signer()).getEncoded(), "test:" + name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A delta CRL (number 2, base 1: on top of {@link #crl}) revoking {@code revoked} (superseded).
   */
  CrlInfo deltaCrl(List<Cert> revoked) {
    try {
      X509v2CRLBuilder b = new X509v2CRLBuilder(name, Date.from(NOT_BEFORE.plusSeconds(60)));
      b.setNextUpdate(Date.from(NOT_AFTER));
      for (Cert c : revoked) {
        b.addCRLEntry(c.serial(), Date.from(NOT_BEFORE.plusSeconds(30)), CRLReason.superseded);
      }
      b.addExtension(
          Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.TWO));
      b.addExtension(
          Extension.deltaCRLIndicator,
          true,
          new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.ONE));
      return CrlInfo.parse(b.build(signer()).getEncoded(), "test-delta:" + name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  ContentSigner signer() throws Exception {
    return new JcaContentSignerBuilder(rsa ? "SHA256withRSA" : "SHA256withECDSA")
        .build(keys.getPrivate());
  }
}
