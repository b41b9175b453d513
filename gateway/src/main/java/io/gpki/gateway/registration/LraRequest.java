package io.gpki.gateway.registration;

import io.gpki.signer.CertificateProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
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
   * Issue a certificate, either for a PKCS#10 request (proof of possession already verified) or for
   * a key the gateway generates ({@code keyGeneration}; exactly one of the two is set).
   *
   * @param csr the request, or {@code null} when the gateway generates the key
   * @param subject the subject name: the CSR's, or the request's explicit {@code subject}
   * @param keyGeneration the key type to generate, or {@code null} with a CSR
   * @param profile the certificate profile
   * @param validity the certificate lifetime
   * @param subjectAltNames SANs, from the request JSON
   */
  record Issue(
      String idempotencyKey,
      @Nullable String caId,
      Instant signedAt,
      @Nullable PKCS10CertificationRequest csr,
      X500Name subject,
      @Nullable ServerKeyAlgorithm keyGeneration,
      CertificateProfile profile,
      Duration validity,
      List<GeneralName> subjectAltNames)
      implements LraRequest {

    /** Whether the gateway generates the key (no CSR). */
    public boolean serverKey() {
      return keyGeneration != null;
    }

    /** The field a subject refusal names: {@code csr} or {@code subject}. */
    String subjectField() {
      return csr == null ? "subject" : "csr";
    }
  }

  /**
   * Revoke a certificate.
   *
   * @param serialHex lower-case hex serial without leading zeros
   * @param reason RFC 5280 CRLReason code
   * @param invalidityDate when the key was known compromised, if given
   */
  record Revoke(
      String idempotencyKey,
      @Nullable String caId,
      Instant signedAt,
      String serialHex,
      int reason,
      @Nullable Instant invalidityDate)
      implements LraRequest {}
}
