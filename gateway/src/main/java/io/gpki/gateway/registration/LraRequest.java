package io.gpki.gateway.registration;

import io.gpki.signer.CertificateProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;

/** A format-checked LRA request: the signed content, parsed. */
public sealed interface LraRequest {

  /** The client's idempotency key, inside the signature. */
  String idempotencyKey();

  /** The CA named by the request, or {@code null} for the LRA's CA. */
  @Nullable String caId();

  /** When the operator signed it. */
  Instant signedAt();

  /**
   * Issue a certificate for a PKCS#10 request (proof of possession already verified).
   *
   * @param csr the request
   * @param profile the certificate profile
   * @param validity the certificate lifetime
   * @param subjectAltNames SANs, from the request JSON
   */
  record Issue(
      String idempotencyKey, @Nullable String caId, Instant signedAt, PKCS10CertificationRequest csr,
      CertificateProfile profile, Duration validity, List<GeneralName> subjectAltNames)
      implements LraRequest {}

  /**
   * Revoke a certificate.
   *
   * @param serialHex lower-case hex serial without leading zeros
   * @param reason RFC 5280 CRLReason code
   * @param invalidityDate when the key was known compromised, if given
   */
  record Revoke(
      String idempotencyKey, @Nullable String caId, Instant signedAt, String serialHex, int reason,
      @Nullable Instant invalidityDate)
      implements LraRequest {}
}
