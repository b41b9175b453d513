package io.gpki.signer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyConstraints;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Builds RFC 5280 certificates and CRLs with Bouncy Castle and has them signed through a {@link
 * CaSigner}. The to-be-signed structure is built here, only its DER goes to the signer, so the
 * private key never leaves its key source and signing never blocks the caller.
 */
public final class PkiObjectBuilder {

  /** id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1). */
  private static final ASN1ObjectIdentifier OCSP_NOCHECK =
      new ASN1ObjectIdentifier("1.3.6.1.5.5.7.48.1.5");

  private final CaSigner signer;

  public PkiObjectBuilder(CaSigner signer) {
    this.signer = signer;
  }

  /** Builds and signs a certificate. */
  public Mono<X509CertificateHolder> certificate(CertificateTemplate t) {
    return Mono.fromCallable(() -> tbsCertificate(t))
        .flatMap(tbs -> signed(tbs, tbs.getSignature(), t.issuerKeyId(), t.signatureAlgorithm()))
        .map(seq -> new X509CertificateHolder(Certificate.getInstance(seq)));
  }

  /** Builds and signs a CRL or ARL. */
  public Mono<X509CRLHolder> crl(CrlTemplate t) {
    return crlDer(t).map(PkiObjectBuilder::crlHolder);
  }

  /**
   * Builds and signs a CRL or ARL and returns its DER. For large lists: the entries are never
   * decoded into objects, so the heap needed is about twice the list's encoded size.
   */
  public Mono<byte[]> crlDer(CrlTemplate t) {
    return Mono.fromCallable(() -> CrlDer.tbs(t))
        .flatMap(
            tbs ->
                signer
                    .sign(t.issuerKeyId(), t.signatureAlgorithm(), tbs)
                    .map(sig -> CrlDer.signed(tbs, t.signatureAlgorithm(), sig)));
  }

  private static X509CRLHolder crlHolder(byte[] der) {
    try {
      return new X509CRLHolder(der);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code SEQUENCE { tbs, signatureAlgorithm, signatureValue }}: the shape of both X.509 objects.
   */
  private Mono<DERSequence> signed(
      ASN1Encodable tbs, AlgorithmIdentifier algorithm, String keyId, String signatureAlgorithm) {
    return signer
        .sign(keyId, signatureAlgorithm, der(tbs))
        .map(sig -> new DERSequence(new ASN1Encodable[] {tbs, algorithm, new DERBitString(sig)}));
  }

  /** The RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey BIT STRING's value. */
  public static byte[] keyIdentifier(SubjectPublicKeyInfo spki) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every JDK", e);
    }
  }

  /** The algorithm identifier for a JCA signature algorithm name. */
  public static AlgorithmIdentifier algorithmIdentifier(String signatureAlgorithm) {
    AlgorithmIdentifier id =
        new DefaultSignatureAlgorithmIdentifierFinder().find(signatureAlgorithm);
    if (id.getAlgorithm()
            .equals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.sha256WithRSAEncryption)
        && id.getParameters() == null) {
      return new AlgorithmIdentifier(id.getAlgorithm(), DERNull.INSTANCE);
    }
    return id;
  }

  static TBSCertificate tbsCertificate(CertificateTemplate t) throws IOException {
    V3TBSCertificateGenerator g = new V3TBSCertificateGenerator();
    g.setSerialNumber(new ASN1Integer(t.serial()));
    g.setSignature(algorithmIdentifier(t.signatureAlgorithm()));
    g.setIssuer(t.issuer());
    g.setStartDate(time(t.notBefore()));
    g.setEndDate(time(t.notAfter()));
    g.setSubject(t.subject());
    g.setSubjectPublicKeyInfo(t.subjectPublicKey());
    g.setExtensions(certificateExtensions(t));
    return g.generateTBSCertificate();
  }

  private static Extensions certificateExtensions(CertificateTemplate t) throws IOException {
    ExtensionsGenerator x = new ExtensionsGenerator();
    CertificateProfile p = t.profile();
    x.addExtension(
        Extension.authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier(t.authorityKeyIdentifier()));
    x.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        new SubjectKeyIdentifier(keyIdentifier(t.subjectPublicKey())));
    if (p.isCa()) {
      x.addExtension(
          Extension.basicConstraints,
          true,
          t.pathLength() == null
              ? new BasicConstraints(true)
              : new BasicConstraints(t.pathLength()));
    }
    x.addExtension(Extension.keyUsage, true, keyUsage(p));
    ExtendedKeyUsage eku = extendedKeyUsage(p);
    if (eku != null) {
      x.addExtension(Extension.extendedKeyUsage, false, eku);
    }
    if (!t.policies().isEmpty()) {
      PolicyInformation[] infos =
          t.policies().stream()
              .map(oid -> new PolicyInformation(new ASN1ObjectIdentifier(oid)))
              .toArray(PolicyInformation[]::new);
      x.addExtension(Extension.certificatePolicies, false, new CertificatePolicies(infos));
    }
    if (!t.policyMappings().isEmpty()) {
      ASN1EncodableVector maps = new ASN1EncodableVector();
      for (CertificateTemplate.PolicyMapping m : t.policyMappings()) {
        maps.add(
            new DERSequence(
                new ASN1Encodable[] {
                  new ASN1ObjectIdentifier(m.issuerDomainPolicy()),
                  new ASN1ObjectIdentifier(m.subjectDomainPolicy())
                }));
      }
      // RFC 5280 4.2.1.5: conforming CAs SHOULD mark this extension critical.
      x.addExtension(Extension.policyMappings, true, new DERSequence(maps));
    }
    if (t.requireExplicitPolicy() != null || t.inhibitPolicyMapping() != null) {
      x.addExtension(
          Extension.policyConstraints,
          true,
          new PolicyConstraints(
              t.requireExplicitPolicy() == null
                  ? null
                  : BigInteger.valueOf(t.requireExplicitPolicy()),
              t.inhibitPolicyMapping() == null
                  ? null
                  : BigInteger.valueOf(t.inhibitPolicyMapping())));
    }
    if (t.nameConstraints() != null) {
      // RFC 5280 4.2.1.10: conforming CAs MUST mark this extension critical.
      x.addExtension(Extension.nameConstraints, true, t.nameConstraints());
    }
    if (!t.subjectAltNames().isEmpty()) {
      x.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(t.subjectAltNames().toArray(GeneralName[]::new)));
    }
    if (!t.crlDistributionPoints().isEmpty()) {
      DistributionPoint dp =
          new DistributionPoint(
              new DistributionPointName(uris(t.crlDistributionPoints())), null, null);
      x.addExtension(
          Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {dp}));
    }
    List<AccessDescription> access = new ArrayList<>();
    for (String uri : t.caIssuers()) {
      access.add(
          new AccessDescription(
              AccessDescription.id_ad_caIssuers,
              new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
    }
    for (String uri : t.ocsp()) {
      access.add(
          new AccessDescription(
              AccessDescription.id_ad_ocsp,
              new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
    }
    if (!access.isEmpty()) {
      x.addExtension(
          Extension.authorityInfoAccess,
          false,
          new AuthorityInformationAccess(access.toArray(AccessDescription[]::new)));
    }
    if (p == CertificateProfile.OCSP_SIGNING) {
      x.addExtension(OCSP_NOCHECK, false, DERNull.INSTANCE);
    }
    return x.generate();
  }

  private static KeyUsage keyUsage(CertificateProfile p) {
    return switch (p) {
      case SELF_SIGNED_CA, CROSS_CA, LINK -> new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign);
      case OFFICIAL_SIGNING, USER_SIGNING ->
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation);
      case ENCRYPTION -> new KeyUsage(KeyUsage.keyEncipherment | KeyUsage.dataEncipherment);
      case SERVER_TLS, CLIENT_TLS ->
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
      case OCSP_SIGNING -> new KeyUsage(KeyUsage.digitalSignature);
    };
  }

  private static @Nullable ExtendedKeyUsage extendedKeyUsage(CertificateProfile p) {
    return switch (p) {
      case SERVER_TLS -> new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
      case CLIENT_TLS -> new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
      case OCSP_SIGNING -> new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning);
      default -> null;
    };
  }

  private static GeneralNames uris(List<String> uris) {
    return new GeneralNames(
        uris.stream()
            .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
            .toArray(GeneralName[]::new));
  }

  /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds. */
  private static Time time(Instant instant) {
    return new Time(Date.from(instant.with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0)));
  }

  private static byte[] der(ASN1Encodable o) {
    try {
      return o.toASN1Primitive().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
