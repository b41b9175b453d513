package io.gpki.gateway.registration;

import io.gpki.gateway.ca.Certificates;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12PfxPduBuilder;
import org.bouncycastle.pkcs.PKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCS12MacCalculatorBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;

/**
 * Generates subscriber key pairs for issue requests without a CSR and seals the private key at once
 * into a PKCS#12 encrypted to a fresh one-time secret: PBES2 with AES-256-CBC, PBKDF2-HMAC-SHA256,
 * and an HMAC-SHA256 integrity MAC, both with a high iteration count. The plaintext key exists only
 * in memory here; the secret goes to the caller (to answer once) and only its SHA-256 is kept.
 * CPU-bound and blocking: call on the key-generation scheduler, never on an event loop.
 */
final class ServerKeys {

  /** Bytes of randomness in a one-time secret (192 bits). */
  static final int SECRET_BYTES = 24;

  private static final String FRIENDLY_NAME = "gpki server-generated key";

  /**
   * Not registered globally; the JDK maps the AES-CBC OID to NoPadding, PBES2 needs PKCS#7 padding.
   */
  private static final java.security.Provider BC =
      new org.bouncycastle.jce.provider.BouncyCastleProvider();

  private final int iterations;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param iterations PBKDF2 and MAC iteration count
   */
  ServerKeys(int iterations) {
    this.iterations = iterations;
  }

  /**
   * A generated key, sealed.
   *
   * @param algorithm what was generated
   * @param publicKey SubjectPublicKeyInfo DER
   * @param pkcs12 the private key, encrypted to {@code secret}
   * @param secret the one-time secret (base64url, no padding): answer it once, never store it
   * @param secretSha256 SHA-256 of the secret's UTF-8 bytes
   */
  record Sealed(
      ServerKeyAlgorithm algorithm,
      byte[] publicKey,
      byte[] pkcs12,
      String secret,
      byte[] secretSha256) {

    @Override
    public String toString() {
      return "Sealed[" + algorithm.label() + ", secret and key withheld]";
    }
  }

  /** Generates a key pair and seals it. */
  Sealed generate(ServerKeyAlgorithm algorithm) {
    KeyPair kp = keyPair(algorithm);
    byte[] raw = new byte[SECRET_BYTES];
    random.nextBytes(raw);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Arrays.fill(raw, (byte) 0);
    char[] password = secret.toCharArray();
    try {
      byte[] spki = kp.getPublic().getEncoded();
      return new Sealed(
          algorithm,
          spki,
          pkcs12(kp, spki, password),
          secret,
          Certificates.digest("SHA-256", secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  private static KeyPair keyPair(ServerKeyAlgorithm algorithm) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.jcaName());
      if (algorithm == ServerKeyAlgorithm.EC_P256) {
        g.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        g.initialize(algorithm.size());
      }
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate " + algorithm.label(), e);
    }
  }

  private byte[] pkcs12(KeyPair kp, byte[] spki, char[] password) {
    try {
      OutputEncryptor encryptor =
          new JcePKCSPBEOutputEncryptorBuilder(NISTObjectIdentifiers.id_aes256_CBC)
              .setPRF(
                  new AlgorithmIdentifier(
                      PKCSObjectIdentifiers.id_hmacWithSHA256, DERNull.INSTANCE))
              .setIterationCount(iterations)
              .setProvider(BC)
              .build(password);
      PKCS12SafeBagBuilder bag = new JcaPKCS12SafeBagBuilder(kp.getPrivate(), encryptor);
      bag.addBagAttribute(
          PKCSObjectIdentifiers.pkcs_9_at_friendlyName, new DERBMPString(FRIENDLY_NAME));
      bag.addBagAttribute(
          PKCSObjectIdentifiers.pkcs_9_at_localKeyId,
          new DEROctetString(
              Certificates.digest(
                  "SHA-1", SubjectPublicKeyInfo.getInstance(spki).getPublicKeyData().getBytes())));
      PKCS12PfxPdu pfx =
          new PKCS12PfxPduBuilder()
              .addData(bag.build())
              .build(
                  new JcePKCS12MacCalculatorBuilder(NISTObjectIdentifiers.id_sha256)
                      .setIterationCount(iterations)
                      .setProvider(BC),
                  password);
      return pfx.getEncoded("DER");
    } catch (Exception e) { // OperatorCreationException, PKCSException, IOException
      throw new IllegalStateException("cannot seal the generated key", e);
    }
  }
}
