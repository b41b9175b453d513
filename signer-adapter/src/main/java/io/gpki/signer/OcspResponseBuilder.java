package io.gpki.signer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERGeneralizedTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.ocsp.BasicOCSPResponse;
import org.bouncycastle.asn1.ocsp.CertStatus;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;
import org.bouncycastle.asn1.ocsp.ResponderID;
import org.bouncycastle.asn1.ocsp.ResponseBytes;
import org.bouncycastle.asn1.ocsp.ResponseData;
import org.bouncycastle.asn1.ocsp.RevokedInfo;
import org.bouncycastle.asn1.ocsp.SingleResponse;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extensions;
import reactor.core.publisher.Mono;

/**
 * Builds RFC 6960 OCSP responses with Bouncy Castle and has them signed through a {@link CaSigner},
 * as {@link PkiObjectBuilder} does for certificates and CRLs: the ResponseData is built here, only
 * its DER goes to the signer, so the responder key never leaves its key source and signing never
 * blocks the caller. The unsigned error responses are in {@link OcspErrorResponse}.
 */
public final class OcspResponseBuilder {

  private static final DateTimeFormatter GENERALIZED =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private final CaSigner signer;

  public OcspResponseBuilder(CaSigner signer) {
    this.signer = signer;
  }

  /**
   * Builds and signs a response.
   *
   * @return the DER of the complete {@code OCSPResponse} (status successful, id-pkix-ocsp-basic)
   */
  public Mono<byte[]> build(OcspResponseTemplate t) {
    return Mono.fromCallable(() -> responseData(t))
        .flatMap(
            tbs ->
                signer
                    .sign(t.responderKeyId(), t.signatureAlgorithm(), der(tbs))
                    .map(signature -> wrap(basic(t, tbs, signature))));
  }

  /** The to-be-signed ResponseData: version v1 (default, absent), responderID byKey. */
  static ResponseData responseData(OcspResponseTemplate t) {
    ASN1EncodableVector singles = new ASN1EncodableVector();
    for (OcspResponseTemplate.Single s : t.responses()) {
      singles.add(single(s));
    }
    return new ResponseData(
        new ResponderID(new DEROctetString(t.responderKeyHash())),
        time(t.producedAt()),
        new DERSequence(singles),
        t.nonce() == null ? null : new Extensions(t.nonce()));
  }

  private static SingleResponse single(OcspResponseTemplate.Single s) {
    CertStatus status;
    // Java 17: no pattern switch; the sealed type keeps this exhaustive by review.
    if (s.status() instanceof OcspResponseTemplate.Status.Revoked r) {
      status =
          new CertStatus(
              new RevokedInfo(
                  time(r.revokedAt()),
                  // As on our CRLs (RFC 5280 5.3.1): the reason unspecified is left out.
                  r.reason() == CRLReason.unspecified ? null : CRLReason.lookup(r.reason())));
    } else if (s.status() instanceof OcspResponseTemplate.Status.Good) {
      status = new CertStatus();
    } else {
      status = new CertStatus(2, DERNull.INSTANCE);
    }
    return new SingleResponse(
        s.certId(), status, time(s.thisUpdate()), time(s.nextUpdate()), (Extensions) null);
  }

  private static BasicOCSPResponse basic(
      OcspResponseTemplate t, ResponseData tbs, byte[] signature) {
    DERSequence certs = null;
    if (!t.certificates().isEmpty()) {
      ASN1EncodableVector v = new ASN1EncodableVector();
      t.certificates().forEach(v::add);
      certs = new DERSequence(v);
    }
    return new BasicOCSPResponse(
        tbs,
        PkiObjectBuilder.algorithmIdentifier(t.signatureAlgorithm()),
        new DERBitString(signature),
        certs);
  }

  private static byte[] wrap(BasicOCSPResponse basic) {
    return der(
        new OCSPResponse(
            new OCSPResponseStatus(OCSPResponseStatus.SUCCESSFUL),
            new ResponseBytes(
                OCSPObjectIdentifiers.id_pkix_ocsp_basic, new DEROctetString(der(basic)))));
  }

  /** RFC 6960 / RFC 5019: GeneralizedTime in whole seconds, UTC, no fraction. */
  static ASN1GeneralizedTime time(Instant instant) {
    return new DERGeneralizedTime(GENERALIZED.format(instant.truncatedTo(ChronoUnit.SECONDS)));
  }

  static byte[] der(ASN1Encodable o) {
    try {
      return o.toASN1Primitive().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
