package io.gpki.gateway.ca;

import io.gpki.signer.CertificateProfile;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jspecify.annotations.Nullable;

/** Helpers to turn signed certificates into store records, and to make serial numbers. */
public final class Certificates {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Certificates() {}

  /**
   * A random positive serial number with 127 bits of entropy (RFC 5280 allows 20 octets; CA/B forum
   * practice asks for at least 64 random bits).
   */
  public static BigInteger randomSerial() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    bytes[0] &= 0x7f;
    BigInteger serial = new BigInteger(1, bytes);
    return serial.signum() == 0 ? BigInteger.ONE : serial;
  }

  /** Lower-case hex without leading zeros, the store's serial key. */
  public static String hex(BigInteger serial) {
    return serial.toString(16);
  }

  /** The RFC 4514 string of a name, e.g. {@code OU=BridgeCA,OU=GPKI,O=Japanese Government,C=JP}. */
  public static String rfc4514(X500Name name) {
    return new X500Principal(der(name)).getName(X500Principal.RFC2253);
  }

  /** DER of a name. */
  public static byte[] der(X500Name name) {
    try {
      return name.getEncoded();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** DER of an ASN.1 object (e.g. a SubjectPublicKeyInfo). */
  public static byte[] der(org.bouncycastle.asn1.ASN1Object o) {
    try {
      return o.getEncoded("DER");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A store record for a freshly signed certificate. */
  public static CertificateRecord record(
      X509CertificateHolder cert,
      String issuerCaId,
      int issuerGeneration,
      CertificateKind kind,
      CertificateProfile profile,
      @Nullable String subjectCaId,
      @Nullable String label,
      Instant now) {
    byte[] der = encoded(cert);
    byte[] spki = encoded(cert.getSubjectPublicKeyInfo());
    return new CertificateRecord(
        0,
        issuerCaId,
        issuerGeneration,
        hex(cert.getSerialNumber()),
        kind,
        profile.name(),
        subjectCaId,
        profile.isCa(),
        rfc4514(cert.getSubject()),
        der(cert.getSubject()),
        rfc4514(cert.getIssuer()),
        cert.getNotBefore().toInstant(),
        cert.getNotAfter().toInstant(),
        PkiObjectBuilder.keyIdentifier(cert.getSubjectPublicKeyInfo()),
        digest("SHA-256", spki),
        digest("SHA-1", der),
        digest("SHA-256", der),
        der,
        now,
        label,
        null);
  }

  /** A message digest of bytes. */
  public static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every JDK", e);
    }
  }

  private static byte[] encoded(X509CertificateHolder cert) {
    try {
      return cert.getEncoded();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] encoded(org.bouncycastle.asn1.ASN1Object o) {
    try {
      return o.getEncoded("DER");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
