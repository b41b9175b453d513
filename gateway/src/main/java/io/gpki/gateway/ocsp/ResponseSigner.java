package io.gpki.gateway.ocsp;

import io.gpki.signer.CaSigner;
import io.gpki.signer.OcspResponseBuilder;
import io.gpki.signer.OcspResponseTemplate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.x509.Extension;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Has responses built and signed by signer-adapter's {@link OcspResponseBuilder} for a {@link
 * Responder}, and adds what the HTTP side needs (times, entity tag, cacheability).
 */
final class ResponseSigner {

  private final OcspResponseBuilder builder;

  ResponseSigner(CaSigner signer) {
    this.builder = new OcspResponseBuilder(signer);
  }

  /** One single response: the CertID as asked, the status, and the validity interval. */
  static OcspResponseTemplate.Single single(
      CertID id, CertState state, Instant thisUpdate, Instant nextUpdate) {
    OcspResponseTemplate.Status status;
    // Java 17: no pattern switch; the sealed type keeps this exhaustive by review.
    if (state instanceof CertState.Revoked r) {
      status = new OcspResponseTemplate.Status.Revoked(r.revokedAt(), r.reason());
    } else if (state instanceof CertState.Good) {
      status = OcspResponseTemplate.Status.GOOD;
    } else {
      status = OcspResponseTemplate.Status.UNKNOWN;
    }
    return new OcspResponseTemplate.Single(id, status, thisUpdate, nextUpdate);
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
      Responder responder,
      List<OcspResponseTemplate.Single> singles,
      @Nullable Extension nonce,
      Instant producedAt) {
    return Mono.fromCallable(
            () ->
                new OcspResponseTemplate(
                    responder.keyId(),
                    responder.signatureAlgorithm(),
                    responder.keyHash(),
                    responder.certificates(),
                    producedAt,
                    singles,
                    nonce))
        .flatMap(t -> builder.build(t).map(der -> signed(t, der)));
  }

  private static SignedResponse signed(OcspResponseTemplate t, byte[] der) {
    // The times as encoded: whole seconds.
    Instant thisUpdate = Instant.MAX;
    Instant nextUpdate = Instant.MAX;
    for (OcspResponseTemplate.Single s : t.responses()) {
      thisUpdate = min(thisUpdate, seconds(s.thisUpdate()));
      nextUpdate = min(nextUpdate, seconds(s.nextUpdate()));
    }
    String etag = "\"" + HexFormat.of().formatHex(Issuer.digest("SHA-256", der), 0, 16) + "\"";
    return new SignedResponse(
        der, seconds(t.producedAt()), thisUpdate, nextUpdate, etag, t.nonce() == null);
  }

  private static Instant seconds(Instant i) {
    return i.truncatedTo(ChronoUnit.SECONDS);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
