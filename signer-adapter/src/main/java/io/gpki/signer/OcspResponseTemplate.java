package io.gpki.signer;

import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to build one signed OCSP response (RFC 6960 4.2.1, BasicOCSPResponse).
 *
 * @param responderKeyId signer key id of the key that signs (a delegated responder key, or the CA
 *     key)
 * @param signatureAlgorithm JCA signature algorithm
 * @param responderKeyHash responderID byKey: SHA-1 of the signing public key's BIT STRING value
 * @param certificates the certificates field (the delegated responder certificate), or empty
 * @param producedAt the producedAt time (encoded in whole seconds)
 * @param responses one single response per certificate asked about, in request order
 * @param nonce the request's nonce extension (RFC 8954), echoed as is, or {@code null}
 */
public record OcspResponseTemplate(
    String responderKeyId,
    String signatureAlgorithm,
    byte[] responderKeyHash,
    List<Certificate> certificates,
    Instant producedAt,
    List<Single> responses,
    @Nullable Extension nonce) {

  public OcspResponseTemplate {
    if (responses.isEmpty()) {
      throw new IllegalArgumentException("an OCSP response needs at least one single response");
    }
    if (nonce != null && !OCSPObjectIdentifiers.id_pkix_ocsp_nonce.equals(nonce.getExtnId())) {
      throw new IllegalArgumentException("not a nonce extension: " + nonce.getExtnId());
    }
    responderKeyHash = responderKeyHash.clone();
    certificates = List.copyOf(certificates);
    responses = List.copyOf(responses);
  }

  /**
   * The status of one certificate for one interval.
   *
   * @param certId the CertID exactly as the client sent it (echoed byte for byte)
   * @param status good, revoked or unknown
   * @param thisUpdate start of the interval (whole seconds)
   * @param nextUpdate end of the interval (whole seconds), after thisUpdate
   */
  public record Single(CertID certId, Status status, Instant thisUpdate, Instant nextUpdate) {

    public Single {
      if (!nextUpdate.isAfter(thisUpdate)) {
        throw new IllegalArgumentException("nextUpdate must be after thisUpdate");
      }
    }
  }

  /** RFC 6960 CertStatus. */
  public sealed interface Status {

    /** Not revoked. */
    record Good() implements Status {}

    /**
     * Revoked.
     *
     * @param revokedAt revocation time (whole seconds)
     * @param reason RFC 5280 CRLReason code; {@code unspecified} (0) is left out, as on our CRLs
     */
    record Revoked(Instant revokedAt, int reason) implements Status {}

    /** The responder does not know the certificate. */
    record Unknown() implements Status {}

    /** The shared {@link Good} value. */
    Status GOOD = new Good();

    /** The shared {@link Unknown} value. */
    Status UNKNOWN = new Unknown();
  }
}
