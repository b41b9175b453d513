package io.gpki.sync.store;

import io.gpki.sync.ReplicaRejected;
import io.gpki.sync.ReplicaRejected.Reason;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Verifies a replicated certificate or CRL against its issuer's public key, before it is applied.
 */
final class SignatureChecks {

  private SignatureChecks() {}

  static void certificate(long seq, byte[] der, byte[] issuerSpki, byte[] sha256) {
    try {
      X509Certificate c =
          (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
      c.verify(publicKey(issuerSpki));
      if (!Arrays.equals(MessageDigest.getInstance("SHA-256").digest(der), sha256)) {
        throw new ReplicaRejected(
            Reason.BAD_SIGNATURE, seq, "certificate DER does not match its SHA-256");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw rejected(seq, "certificate", e);
    }
  }

  static void crl(long seq, byte[] der, byte[] issuerSpki, byte[] sha256) {
    try {
      X509CRL c = (X509CRL) factory().generateCRL(new ByteArrayInputStream(der));
      c.verify(publicKey(issuerSpki));
      if (!Arrays.equals(MessageDigest.getInstance("SHA-256").digest(der), sha256)) {
        throw new ReplicaRejected(Reason.BAD_SIGNATURE, seq, "CRL DER does not match its SHA-256");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw rejected(seq, "CRL", e);
    }
  }

  private static ReplicaRejected rejected(long seq, String what, Exception e) {
    return e instanceof ReplicaRejected r
        ? r
        : new ReplicaRejected(
            Reason.BAD_SIGNATURE, seq, what + " does not verify against its issuer's key: " + e);
  }

  private static CertificateFactory factory() throws GeneralSecurityException {
    return CertificateFactory.getInstance("X.509");
  }

  static PublicKey publicKey(byte[] spki) throws GeneralSecurityException {
    GeneralSecurityException last = null;
    for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "DSA"}) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(spki));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last == null ? new GeneralSecurityException("no key factory") : last;
  }
}
