package io.gpki.signer.keystore;

import io.gpki.signer.KeySpec;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Self-signed placeholder certificates for freshly generated key pairs.
 *
 * <p>PKCS#12 and the SunPKCS11 key store only keep a private key together with a certificate chain,
 * so every generated key gets one of these. It is deliberately not usable as a PKI certificate: the
 * subject says what it is, {@code basicConstraints cA=false} is critical and it carries no key
 * usage that a relying party would accept for a CA. The real CA certificate is issued elsewhere.
 * Shared with the {@code pkcs11} key source.
 */
public final class PlaceholderCertificates {

  /** Long enough never to expire under a key that lives for a CA's lifetime. */
  private static final Duration VALIDITY = Duration.ofDays(100L * 365);

  private static final SecureRandom RANDOM = new SecureRandom();

  private PlaceholderCertificates() {}

  /**
   * Builds the placeholder certificate for {@code keyId}, signed by the key pair itself.
   *
   * @param keyId the key id; becomes {@code CN=<keyId> key holder}
   * @param keyPair the freshly generated key pair
   * @param spec the key's kind, which picks the signature algorithm
   * @param signingProvider the provider holding the private key (a PKCS#11 provider for token
   *     keys), or {@code null} for the JCA default
   * @param clock the time source for the validity period
   * @return the self-signed certificate
   * @throws Exception when signing or encoding fails
   */
  public static X509Certificate selfSigned(
      String keyId, KeyPair keyPair, KeySpec spec, @Nullable Provider signingProvider, Clock clock)
      throws Exception {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "gpki placeholder, not a CA certificate")
            .addRDN(BCStyle.CN, keyId + " key holder")
            .build();
    Instant now = clock.instant();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            new BigInteger(63, RANDOM).add(BigInteger.ONE),
            Date.from(now.minus(Duration.ofMinutes(1))),
            Date.from(now.plus(VALIDITY)),
            subject,
            keyPair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    JcaContentSignerBuilder signer = new JcaContentSignerBuilder(spec.signatureAlgorithm());
    if (signingProvider != null) {
      signer.setProvider(signingProvider);
    }
    return new JcaX509CertificateConverter()
        .getCertificate(builder.build(signer.build(keyPair.getPrivate())));
  }
}
