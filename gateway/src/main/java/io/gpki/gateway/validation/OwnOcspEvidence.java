package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Revocation evidence from our own OCSP responder, in process ({@link OwnOcsp}), for end-entity
 * certificates: the responder's pre-signed answer, checked like an external one (signed by the
 * issuer or a responder certificate it issued with id-kp-OCSPSigning, the right CertID) once per
 * distinct response, then only its times are compared per validation. Reported with location
 * {@value #LOCATION}.
 *
 * <p>Thread-safe. The check of one response is remembered per certificate, by the identity of the
 * response array (the responder hands out the same array for the same answer), so a validation
 * costs one lookup in the responder's cache and one here.
 */
final class OwnOcspEvidence {

  static final String LOCATION = "ocsp:local";
  private static final Duration SKEW = Duration.ofMinutes(5);
  private static final int MAX_REMEMBERED = 65_536;

  /**
   * One checked response: the answer ({@code null} when unusable), the window its responder
   * certificate is valid in.
   */
  private record Checked(
      byte[] der,
      OcspClient.@Nullable Answer answer,
      Instant signerNotBefore,
      Instant signerNotAfter) {}

  private final OwnOcsp responder;
  private final ConcurrentHashMap<String, Checked> checked = new ConcurrentHashMap<>();

  OwnOcspEvidence(OwnOcsp responder) {
    this.responder = responder;
  }

  /**
   * The responder's checked answer for {@code cert}, current at the validation time; {@code null}
   * when there is none (not ours, a CA certificate, nothing pre-signed, unusable or not current),
   * and then the CRL decides alone.
   */
  OcspClient.@Nullable Answer answer(
      Cert cert, Cert issuer, PublicKey issuerKey, ValidationInputs in) {
    if (cert.isCa()) {
      return null;
    }
    byte[] der =
        responder.presigned(
            Cert.encoded(cert.holder().getIssuer()),
            issuer.holder().getSubjectPublicKeyInfo().getPublicKeyData().getBytes(),
            cert.serial());
    if (der == null) {
      return null;
    }
    Checked c = checked.get(cert.sha256());
    if (c == null || c.der() != der) {
      c = check(der, cert, issuer, issuerKey);
      if (checked.size() >= MAX_REMEMBERED) {
        checked.clear();
      }
      checked.put(cert.sha256(), c);
    }
    OcspClient.Answer a = c.answer();
    Instant t = in.time();
    if (a == null
        || t.isBefore(c.signerNotBefore())
        || t.isAfter(c.signerNotAfter())
        || a.evidence().thisUpdate().isAfter(t.plus(SKEW))
        || (a.evidence().nextUpdate() != null && !t.isBefore(a.evidence().nextUpdate()))) {
      return null;
    }
    return a;
  }

  /** Number of checked responses remembered (tests). */
  int remembered() {
    return checked.size();
  }

  private static Checked check(byte[] der, Cert cert, Cert issuer, PublicKey issuerKey) {
    Checked unusable = new Checked(der, null, Instant.MAX, Instant.MIN);
    try {
      OCSPResp resp = new OCSPResp(der);
      if (resp.getStatus() != OCSPResp.SUCCESSFUL
          || !(resp.getResponseObject() instanceof BasicOCSPResp basic)) {
        return unusable;
      }
      Instant notBefore = Instant.MIN;
      Instant notAfter = Instant.MAX;
      String responderName = issuer.subjectDisplay();
      String responderSha = null;
      if (!basic.isSignatureValid(Signatures.verifier(issuerKey))) {
        Cert delegate = null;
        for (X509CertificateHolder h : basic.getCerts()) {
          Cert r = Cert.parse(h.getEncoded(), Source.REPOSITORY);
          if (r.issuerKey().equals(issuer.subjectKey())
              && Signatures.verifies(r, issuerKey, issuer.spkiHash())
              && h.getExtension(Extension.extendedKeyUsage) != null
              && ExtendedKeyUsage.fromExtensions(h.getExtensions())
                  .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
              && r.publicKey() != null
              && basic.isSignatureValid(Signatures.verifier(r.publicKey()))) {
            delegate = r;
            break;
          }
        }
        if (delegate == null) {
          return unusable;
        }
        notBefore = delegate.notBefore();
        notAfter = delegate.notAfter();
        responderName = delegate.subjectDisplay();
        responderSha = delegate.sha256();
      }
      CertificateID id =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
              issuer.holder(),
              cert.serial());
      for (SingleResp single : basic.getResponses()) {
        if (!single.getCertID().equals(id)) {
          continue;
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        Instant nextUpdate =
            single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
        RevocationEvidence ev =
            new RevocationEvidence(
                cert.serialHex(),
                "OCSP",
                responderName,
                null,
                LOCATION,
                thisUpdate,
                nextUpdate,
                basic.getProducedAt().toInstant(),
                responderSha);
        CertificateStatus s = single.getCertStatus();
        RevocationStatus status;
        if (s == CertificateStatus.GOOD) {
          status = new RevocationStatus.Good();
        } else if (s instanceof RevokedStatus r) {
          int reason = r.hasRevocationReason() ? r.getRevocationReason() : 0;
          status =
              new RevocationStatus.IsRevoked(
                  new Revoked(Revoked.reasonName(reason), r.getRevocationTime().toInstant()));
        } else {
          status = new RevocationStatus.Unknown("our OCSP responder answered unknown");
        }
        return new Checked(der, new OcspClient.Answer(status, ev), notBefore, notAfter);
      }
      return unusable;
    } catch (Exception e) {
      return unusable;
    }
  }
}
