package io.gpki.gateway.validation;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.DSAParams;
import java.security.interfaces.DSAPublicKey;
import java.security.spec.DSAPublicKeySpec;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Signature checks with a bounded cache of results. A result depends only on the signed bytes and
 * the key, so caching it is safe (the JDK's own certificate objects remember their last
 * verification the same way); it saves the RSA/ECDSA verification of the CA and cross-certificates
 * seen on every request and of an end-entity certificate validated again (e-application systems
 * check the same signer's certificate many times). Validity, revocation, names and policies are
 * checked on every validation.
 */
final class Signatures {

  private static final Provider BC = new BouncyCastleProvider();
  private static final int MAX_CACHED = 100_000;
  private static final ConcurrentHashMap<String, Boolean> CACHE = new ConcurrentHashMap<>();

  private Signatures() {}

  /** Whether {@code cert} is signed by {@code key} (identified by {@code keyId} for the cache). */
  static boolean verifies(Cert cert, PublicKey key, String keyId) {
    String cacheKey = cert.sha256() + "/" + keyId;
    Boolean cached = CACHE.get(cacheKey);
    if (cached != null) {
      return cached;
    }
    boolean ok = verify(cert, key);
    if (CACHE.size() >= MAX_CACHED) {
      CACHE.clear();
    }
    CACHE.put(cacheKey, ok);
    return ok;
  }

  /**
   * RSA and ECDSA with SHA-2 go straight to the JDK's providers over the TBSCertificate bytes as
   * received (no re-encoding); anything else (DSA, PSS, other curves) through Bouncy Castle.
   */
  private static boolean verify(Cert cert, PublicKey key) {
    try {
      String alg = JCA_NAMES.get(cert.holder().getSignatureAlgorithm().getAlgorithm().getId());
      if (alg != null && key.getAlgorithm().equals(alg.endsWith("RSA") ? "RSA" : "EC")) {
        java.security.Signature s = java.security.Signature.getInstance(alg);
        s.initVerify(key);
        s.update(cert.tbs());
        return s.verify(cert.holder().getSignature());
      }
      return cert.holder().isSignatureValid(verifier(key));
    } catch (Exception e) {
      return false;
    }
  }

  private static final java.util.Map<String, String> JCA_NAMES =
      java.util.Map.of(
          "1.2.840.113549.1.1.11", "SHA256withRSA",
          "1.2.840.113549.1.1.12", "SHA384withRSA",
          "1.2.840.113549.1.1.13", "SHA512withRSA",
          "1.2.840.10045.4.3.2", "SHA256withECDSA",
          "1.2.840.10045.4.3.3", "SHA384withECDSA",
          "1.2.840.10045.4.3.4", "SHA512withECDSA");

  /**
   * Decodes a public key: RSA and EC with the JDK's key factories (so the JDK's fast signature code
   * can use them), everything else (DSA without parameters, Ed25519...) with Bouncy Castle.
   */
  static PublicKey publicKey(
      org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki,
      org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter bc)
      throws org.bouncycastle.openssl.PEMException {
    String oid = spki.getAlgorithm().getAlgorithm().getId();
    String jdk =
        "1.2.840.113549.1.1.1".equals(oid) ? "RSA" : "1.2.840.10045.2.1".equals(oid) ? "EC" : null;
    if (jdk != null) {
      try {
        return java.security.KeyFactory.getInstance(jdk)
            .generatePublic(new java.security.spec.X509EncodedKeySpec(spki.getEncoded("DER")));
      } catch (GeneralSecurityException | java.io.IOException e) {
        // fall through to Bouncy Castle (e.g. an EC curve the JDK does not know)
      }
    }
    return bc.getPublicKey(spki);
  }

  /** Whether a CRL is signed by {@code key}. */
  static boolean verifies(X509CRLHolder crl, PublicKey key) {
    try {
      return crl.isSignatureValid(verifier(key));
    } catch (Exception e) {
      return false;
    }
  }

  /** A Bouncy Castle verifier provider for a key (the keys we decode are BC keys). */
  static ContentVerifierProvider verifier(PublicKey key) throws OperatorCreationException {
    return new JcaContentVerifierProviderBuilder().setProvider(BC).build(key);
  }

  /**
   * RFC 5280 6.1.4 (f)/(g): a DSA key without domain parameters inherits those of the working key.
   * Returns the key to use (the same one when nothing is inherited).
   */
  static PublicKey inherit(PublicKey subjectKey, @Nullable PublicKey workingKey) {
    if (subjectKey instanceof DSAPublicKey dsa
        && dsa.getParams() == null
        && workingKey instanceof DSAPublicKey parent
        && parent.getParams() != null) {
      DSAParams p = parent.getParams();
      BigInteger y = dsa.getY();
      try {
        return KeyFactory.getInstance("DSA", BC)
            .generatePublic(new DSAPublicKeySpec(y, p.getP(), p.getQ(), p.getG()));
      } catch (GeneralSecurityException e) {
        return subjectKey;
      }
    }
    return subjectKey;
  }

  private static final java.util.Map<PublicKey, String> KEY_IDS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /** A cache id of a key (SHA-256 of its encoding, remembered per key object). */
  static String keyId(PublicKey key) {
    String id = KEY_IDS.get(key);
    if (id == null) {
      id = Cert.sha256Hex(key.getEncoded());
      KEY_IDS.put(key, id);
    }
    return id;
  }
}
