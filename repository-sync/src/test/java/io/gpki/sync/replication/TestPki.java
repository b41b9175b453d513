package io.gpki.sync.replication;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test PKI generated at test time: the issuing CA {@code osca} (EC P-256), the repository records
 * of what it issues (certificates, CRLs) and the centers' replication certificates.
 */
final class TestPki {

  static final String CA = "osca";
  final KeyPair caKey;
  final X509Certificate caCert;
  final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  TestPki() throws Exception {
    caKey = ecKey();
    X500Name dn = new X500Name("C=JP,O=Test,CN=osca");
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            dn,
            BigInteger.ONE,
            Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(30))),
            dn,
            caKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKey.getPublic()));
    caCert = sign(b, caKey.getPrivate());
  }

  static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  CaRecord caRecord() {
    return new CaRecord(
        CA,
        "Test osca",
        "GOVERNMENT",
        "CN=osca",
        caCert.getSubjectX500Principal().getEncoded(),
        null,
        1,
        now,
        now);
  }

  CaKeyRecord caKeyRecord() throws Exception {
    return new CaKeyRecord(
        CA,
        1,
        "osca-g1",
        "soft",
        caKey.getPublic().getEncoded(),
        new JcaX509ExtensionUtils()
            .createSubjectKeyIdentifier(caKey.getPublic())
            .getKeyIdentifier(),
        now);
  }

  /** An end-entity certificate signed by {@code signer} (the CA's key, or another to forge one). */
  CertificateRecord endEntity(long serial, PrivateKey signer) throws Exception {
    KeyPair subject = ecKey();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caCert,
            BigInteger.valueOf(serial),
            Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(10))),
            new X500Name("C=JP,O=Test,CN=subscriber " + serial),
            subject.getPublic());
    return record(sign(b, signer), serial);
  }

  private CertificateRecord record(X509Certificate c, long serial) throws Exception {
    byte[] der = c.getEncoded();
    return new CertificateRecord(
        0,
        CA,
        1,
        Long.toHexString(serial),
        CertificateKind.END_ENTITY,
        "test",
        null,
        false,
        c.getSubjectX500Principal().getName(),
        c.getSubjectX500Principal().getEncoded(),
        c.getIssuerX500Principal().getName(),
        c.getNotBefore().toInstant(),
        c.getNotAfter().toInstant(),
        new byte[] {1},
        digest("SHA-256", c.getPublicKey().getEncoded()),
        digest("SHA-1", der),
        digest("SHA-256", der),
        der,
        now,
        null,
        null);
  }

  /** A CRL with the given number, signed by the CA. */
  CrlRecord crl(long number, List<Long> revokedSerials) throws Exception {
    X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("C=JP,O=Test,CN=osca"), Date.from(now));
    b.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
    for (long s : revokedSerials) {
      b.addCRLEntry(BigInteger.valueOf(s), Date.from(now), 1);
    }
    b.addExtension(
        Extension.cRLNumber,
        false,
        new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.valueOf(number)));
    X509CRL crl =
        new JcaX509CRLConverter()
            .getCRL(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    byte[] der = crl.getEncoded();
    return new CrlRecord(
        0,
        CA,
        "CRL",
        BigInteger.valueOf(number),
        now,
        now.plus(Duration.ofDays(1)),
        "osca-g1",
        revokedSerials.size(),
        digest("SHA-256", der),
        der);
  }

  /** A center's replication credential: CN = center id, serverAuth + clientAuth, SAN localhost. */
  ReplicationTls replicationTls(String center) throws Exception {
    KeyPair k = ecKey();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            caCert,
            BigInteger.valueOf(center.hashCode() & 0xffff),
            Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(10))),
            new X500Name("C=JP,O=Test,OU=GPKI Replication,CN=" + center),
            k.getPublic());
    b.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
    return new ReplicationTls(
        k.getPrivate(), List.of(sign(b, caKey.getPrivate()), caCert), List.of(caCert));
  }

  static byte[] digest(String alg, byte[] data) throws Exception {
    return MessageDigest.getInstance(alg).digest(data);
  }
}
