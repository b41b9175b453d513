package io.gpki.gateway.ocsp;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.Request;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * First stage: checks the request's shape (certificate count, nonce length per RFC 8954, critical
 * extensions) and resolves every CertID to one of our issuers. Unknown issuers get {@code
 * unauthorized}; before the issuer directory is loaded everything gets {@code tryLater}.
 */
final class RequestFilter implements StatusSource {

  /** RFC 8954 2.1: a nonce is 1 to 32 octets. */
  static final int MAX_NONCE = 32;

  private final Supplier<IssuerDirectory> directory;
  private final int maxCertificates;
  private final StatusSource next;

  RequestFilter(Supplier<IssuerDirectory> directory, int maxCertificates, StatusSource next) {
    this.directory = directory;
    this.maxCertificates = maxCertificates;
    this.next = next;
  }

  @Override
  public Mono<OcspResult> answer(OcspQuery query) {
    Object checked = check(query);
    return checked instanceof OcspQuery resolved
        ? next.answer(resolved)
        : Mono.just((OcspResult.Refused) checked);
  }

  /**
   * The query with its targets and nonce resolved ({@link OcspQuery}), or the refusal ({@link
   * OcspResult.Refused}). Synchronous: used by {@link #answer} and by the fast path's peek.
   */
  Object check(OcspQuery query) {
    IssuerDirectory issuers = directory.get();
    if (!issuers.loaded()) {
      return refuse(OcspStatus.TRY_LATER, "responder starting");
    }
    TBSRequest tbs = query.request();
    List<Target> targets = new ArrayList<>();
    Extension nonce;
    try {
      ASN1Sequence list = tbs.getRequestList();
      if (list.size() == 0 || list.size() > maxCertificates) {
        return refuse(OcspStatus.MALFORMED_REQUEST, "certificates in request: " + list.size());
      }
      Extensions extensions = tbs.getRequestExtensions();
      String extensionProblem = checkExtensions(extensions);
      if (extensionProblem != null) {
        return refuse(OcspStatus.MALFORMED_REQUEST, extensionProblem);
      }
      nonce =
          extensions == null
              ? null
              : extensions.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
      Responder responder = null;
      for (int i = 0; i < list.size(); i++) {
        CertID id = Request.getInstance(list.getObjectAt(i)).getReqCert();
        Issuer issuer = issuers.find(id);
        if (issuer == null) {
          return issuers.pending(id)
              ? refuse(OcspStatus.TRY_LATER, "responder for issuer not ready")
              : refuse(OcspStatus.UNAUTHORIZED, "not an issuer we answer for");
        }
        if (responder != null && !responder.equals(issuer.responder())) {
          // One response has one signer; certificates of different CA keys need separate requests.
          return refuse(OcspStatus.UNAUTHORIZED, "certificates of several issuers in one request");
        }
        responder = issuer.responder();
        targets.add(new Target(id, issuer, id.getSerialNumber().getValue()));
      }
    } catch (RuntimeException e) {
      // BC parses the inner structures lazily: a malformed Request or CertID surfaces here.
      return refuse(
          OcspStatus.MALFORMED_REQUEST, "bad request structure: " + e.getClass().getSimpleName());
    }
    return query.resolved(targets, nonce);
  }

  /** A reason to refuse the request's extensions, or {@code null} when they are fine. */
  static @Nullable String checkExtensions(@Nullable Extensions extensions) {
    if (extensions == null) {
      return null;
    }
    for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
      Extension e = extensions.getExtension(oid);
      if (oid.equals(OCSPObjectIdentifiers.id_pkix_ocsp_nonce)) {
        int length = nonceLength(e.getExtnValue().getOctets());
        if (length < 1 || length > MAX_NONCE) {
          return "nonce of " + length + " octets (RFC 8954: 1 to 32)";
        }
      } else if (e.isCritical()) {
        return "unsupported critical extension " + oid;
      }
    }
    return null;
  }

  /**
   * RFC 8954: the extension value is a DER OCTET STRING holding the nonce. Some clients (older
   * Bouncy Castle code) put the raw nonce there; then its whole length counts.
   */
  static int nonceLength(byte[] extnValue) {
    try {
      ASN1Primitive inner = ASN1Primitive.fromByteArray(extnValue);
      if (inner instanceof ASN1OctetString octets) {
        return octets.getOctets().length;
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not DER: a raw nonce
    }
    return extnValue.length;
  }

  private static OcspResult.Refused refuse(OcspStatus status, String why) {
    return new OcspResult.Refused(status, why);
  }
}
