package io.gpki.gateway.ocsp;

import io.gpki.signer.CaSigner;
import io.gpki.signer.PkiObjectBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
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
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.CertStatus;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.OCSPResponse;
import org.bouncycastle.asn1.ocsp.OCSPResponseStatus;
import org.bouncycastle.asn1.ocsp.ResponseBytes;
import org.bouncycastle.asn1.ocsp.ResponseData;
import org.bouncycastle.asn1.ocsp.RevokedInfo;
import org.bouncycastle.asn1.ocsp.SingleResponse;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Builds a BasicOCSPResponse and has its ResponseData signed through {@link CaSigner}: only the DER of
 * the to-be-signed data goes to the signer, so the responder key never leaves its key source and
 * signing never blocks the caller.
 */
final class ResponseSigner {

  private static final DateTimeFormatter GENERALIZED =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private final CaSigner signer;

  ResponseSigner(CaSigner signer) {
    this.signer = signer;
  }

  /** One SingleResponse: the CertID as asked, the status, and the validity interval. */
  static SingleResponse single(CertID id, CertState state, Instant thisUpdate, Instant nextUpdate) {
    CertStatus status;
    // Java 17: no pattern switch; the sealed type keeps this exhaustive by review.
    if (state instanceof CertState.Revoked r) {
      status =
          new CertStatus(
              new RevokedInfo(
                  time(r.revokedAt()),
                  // As on our CRLs (RFC 5280 5.3.1): the reason unspecified is left out.
                  r.reason() == CRLReason.unspecified ? null : CRLReason.lookup(r.reason())));
    } else if (state instanceof CertState.Good) {
      status = new CertStatus();
    } else {
      status = new CertStatus(2, DERNull.INSTANCE);
    }
    return new SingleResponse(id, status, time(thisUpdate), time(nextUpdate), (Extensions) null);
  }

  /**
   * Signs a response.
   *
   * @param responder who signs
   * @param singles the single responses, in request order
   * @param nonce the nonce extension to echo, or {@code null}
   * @param producedAt the producedAt time
   */
  Mono<SignedResponse> sign(
      Responder responder, List<SingleResponse> singles, @Nullable Extension nonce, Instant producedAt) {
    return Mono.fromCallable(
            () ->
                new ResponseData(
                    responder.responderId(),
                    time(producedAt),
                    new DERSequence(singles.toArray(ASN1Encodable[]::new)),
                    nonce == null ? null : new Extensions(nonce)))
        .flatMap(
            tbs ->
                signer
                    .sign(responder.keyId(), responder.signatureAlgorithm(), der(tbs))
                    .map(sig -> assemble(responder, tbs, sig, singles, nonce == null)));
  }

  private static SignedResponse assemble(
      Responder responder, ResponseData tbs, byte[] signature, List<SingleResponse> singles,
      boolean cacheable) {
    AlgorithmIdentifier algorithm = PkiObjectBuilder.algorithmIdentifier(responder.signatureAlgorithm());
    BasicOCSPResponse basic =
        new BasicOCSPResponse(
            tbs,
            algorithm,
            new DERBitString(signature),
            responder.certificates().size() == 0 ? null : responder.certificates());
    byte[] der =
        der(
            new OCSPResponse(
                new OCSPResponseStatus(OCSPResponseStatus.SUCCESSFUL),
                new ResponseBytes(OCSPObjectIdentifiers.id_pkix_ocsp_basic, new DEROctetString(der(basic)))));
    Instant thisUpdate = Instant.MAX;
    Instant nextUpdate = Instant.MAX;
    for (SingleResponse s : singles) {
      thisUpdate = min(thisUpdate, instant(s.getThisUpdate()));
      nextUpdate = min(nextUpdate, instant(s.getNextUpdate()));
    }
    String etag =
        "\"" + HexFormat.of().formatHex(Issuer.digest("SHA-256", der), 0, 16) + "\"";
    return new SignedResponse(
        der, instant(tbs.getProducedAt()), thisUpdate, nextUpdate, etag, cacheable);
  }

  /** RFC 6960 / RFC 5019: GeneralizedTime in whole seconds, UTC. */
  static ASN1GeneralizedTime time(Instant instant) {
    return new DERGeneralizedTime(GENERALIZED.format(instant.truncatedTo(ChronoUnit.SECONDS)));
  }

  private static Instant instant(@Nullable ASN1GeneralizedTime t) {
    try {
      return t == null ? Instant.MAX : t.getDate().toInstant();
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("we encoded this time ourselves", e);
    }
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  static byte[] der(ASN1Encodable o) {
    try {
      return o.toASN1Primitive().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The certificates field of a BasicOCSPResponse. */
  static DERSequence certificates(List<? extends ASN1Encodable> certs) {
    ASN1EncodableVector v = new ASN1EncodableVector();
    certs.forEach(v::add);
    return new DERSequence(v);
  }
}
