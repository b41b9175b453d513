package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import reactor.core.publisher.Mono;

/**
 * Queries an OCSP responder named in a certificate's AIA (RFC 6960, Bouncy Castle's OCSP classes)
 * and checks the answer: signed by the issuer or by a responder certificate the issuer gave
 * id-kp-OCSPSigning, for the right CertID, current, with our nonce echoed when the responder echoes
 * one.
 */
final class OcspClient {

  /** A checked OCSP answer. */
  record Answer(RevocationStatus status, RevocationEvidence evidence) {}

  private static final Duration SKEW = Duration.ofMinutes(5);

  /**
   * Nonces come from a DRBG seeded here, once, at class initialisation (off the event loop); after
   * that it never reads the entropy device, so drawing a nonce on an event loop does not block.
   */
  private static final SecureRandom RANDOM = drbg();

  private static SecureRandom drbg() {
    try {
      SecureRandom r = SecureRandom.getInstance("DRBG");
      r.nextBytes(new byte[16]);
      return r;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private final Fetcher fetcher;
  private final Clock clock;

  OcspClient(Fetcher fetcher, Clock clock) {
    this.fetcher = fetcher;
    this.clock = clock;
  }

  /** The status of {@code cert} issued by {@code issuer} from the responder at {@code url}. */
  Mono<Answer> query(Cert cert, Cert issuer, String url, Instant validationTime) {
    return Mono.defer(
        () -> {
          try {
            DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
            CertificateID id =
                new CertificateID(
                    digests.get(CertificateID.HASH_SHA1), issuer.holder(), cert.serial());
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            OCSPReq req =
                new OCSPReqBuilder()
                    .addRequest(id)
                    .setRequestExtensions(
                        new Extensions(
                            new Extension(
                                OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
                                false,
                                new DEROctetString(new DEROctetString(nonce).getEncoded()))))
                    .build();
            return fetcher
                .post(url, "application/ocsp-request", req.getEncoded(), 64 * 1024)
                .map(body -> check(body, id, nonce, cert, issuer, url, validationTime));
          } catch (Exception e) {
            return Mono.error(e);
          }
        });
  }

  private Answer check(
      byte[] body,
      CertificateID id,
      byte[] nonce,
      Cert cert,
      Cert issuer,
      String url,
      Instant time) {
    try {
      OCSPResp resp = new OCSPResp(body);
      if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
        throw new Fetcher.FetchException("OCSP responder status " + resp.getStatus());
      }
      BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
      if (!signedByIssuerOrDelegate(basic, issuer, time)) {
        throw new Fetcher.FetchException("OCSP response not signed by the issuer or its delegate");
      }
      Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
      if (echoed != null
          && !java.util.Arrays.equals(
              echoed.getExtnValue().getOctets(), new DEROctetString(nonce).getEncoded())) {
        throw new Fetcher.FetchException("OCSP nonce mismatch");
      }
      Instant now = clock.instant();
      for (SingleResp single : basic.getResponses()) {
        if (!single.getCertID().equals(id)) {
          continue;
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        Instant nextUpdate =
            single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(SKEW))
            || (nextUpdate != null && nextUpdate.isBefore(now.minus(SKEW)))) {
          throw new Fetcher.FetchException("OCSP response not current");
        }
        RevocationEvidence ev =
            new RevocationEvidence(
                cert.serialHex(),
                "OCSP",
                issuer.subjectDisplay(),
                null,
                url,
                thisUpdate,
                nextUpdate);
        CertificateStatus s = single.getCertStatus();
        if (s == CertificateStatus.GOOD) {
          return new Answer(new RevocationStatus.Good(), ev);
        }
        if (s instanceof RevokedStatus r) {
          int reason = r.hasRevocationReason() ? r.getRevocationReason() : 0;
          return new Answer(
              new RevocationStatus.IsRevoked(
                  new Revoked(Revoked.reasonName(reason), r.getRevocationTime().toInstant())),
              ev);
        }
        return new Answer(new RevocationStatus.Unknown("OCSP responder answered unknown"), ev);
      }
      throw new Fetcher.FetchException("OCSP response does not cover the certificate");
    } catch (Fetcher.FetchException e) {
      throw e;
    } catch (Exception e) {
      throw new Fetcher.FetchException("unusable OCSP response: " + e.getMessage());
    }
  }

  private static boolean signedByIssuerOrDelegate(BasicOCSPResp basic, Cert issuer, Instant time)
      throws Exception {
    PublicKey issuerKey = issuer.publicKey();
    if (issuerKey == null) {
      return false;
    }
    var issuerVerifier = Signatures.verifier(issuerKey);
    if (basic.isSignatureValid(issuerVerifier)) {
      return true;
    }
    for (X509CertificateHolder h : basic.getCerts()) {
      Cert responder = Cert.parse(h.getEncoded(), Source.AIA);
      boolean delegated =
          responder.issuerKey().equals(issuer.subjectKey())
              && Signatures.verifies(responder, issuerKey, issuer.spkiHash())
              && h.getExtension(Extension.extendedKeyUsage) != null
              && org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(h.getExtensions())
                  .hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
              && !time.isBefore(responder.notBefore())
              && !time.isAfter(responder.notAfter());
      if (delegated
          && responder.publicKey() != null
          && basic.isSignatureValid(Signatures.verifier(responder.publicKey()))) {
        return true;
      }
    }
    return false;
  }

  /** The OCSP responder URLs of a certificate's AIA. */
  static java.util.List<String> urls(Cert cert) {
    return Urls.aia(cert, org.bouncycastle.asn1.x509.AccessDescription.id_ad_ocsp);
  }
}
