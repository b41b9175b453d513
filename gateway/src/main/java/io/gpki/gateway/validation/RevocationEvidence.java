package io.gpki.gateway.validation;

import java.math.BigInteger;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One piece of revocation data a verdict relied on.
 *
 * @param certificateSerial serial (hex) of the certificate it was used for
 * @param kind {@code CRL}, {@code DELTA_CRL} or {@code OCSP}
 * @param issuer the CRL issuer or OCSP responder name (RFC 4514)
 * @param number the CRL number, if any
 * @param location where it came from (URL, {@code local:} for the repository, {@code ocsp:local}
 *     for our own OCSP responder in process, {@code request})
 * @param thisUpdate its thisUpdate
 * @param nextUpdate its nextUpdate, if any
 * @param producedAt an OCSP response's producedAt, if known
 * @param responderCertificate SHA-256 (hex) of the delegated OCSP responder certificate that signed
 *     the response, if it was not signed by the issuer itself
 */
public record RevocationEvidence(
    String certificateSerial,
    String kind,
    String issuer,
    @Nullable BigInteger number,
    String location,
    Instant thisUpdate,
    @Nullable Instant nextUpdate,
    @Nullable Instant producedAt,
    @Nullable String responderCertificate) {

  /** Evidence without the OCSP-only details (CRLs, external OCSP). */
  public RevocationEvidence(
      String certificateSerial,
      String kind,
      String issuer,
      @Nullable BigInteger number,
      String location,
      Instant thisUpdate,
      @Nullable Instant nextUpdate) {
    this(certificateSerial, kind, issuer, number, location, thisUpdate, nextUpdate, null, null);
  }
}
