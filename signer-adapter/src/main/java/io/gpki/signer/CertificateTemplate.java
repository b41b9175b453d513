package io.gpki.signer;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to build one RFC 5280 certificate. The issuing key is named, never held.
 *
 * @param issuer the issuer's distinguished name
 * @param issuerKeyId the signer key id of the issuing key
 * @param signatureAlgorithm JCA signature algorithm, e.g. {@code SHA256withRSA}
 * @param authorityKeyIdentifier the issuing key's subject key identifier (goes into AKI)
 * @param subject the subject's distinguished name
 * @param subjectPublicKey the subject's public key
 * @param serial positive serial number
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param profile what the certificate is for
 * @param policies certificate policy OIDs (issuer-domain OIDs for cross-certificates)
 * @param policyMappings policy mappings (cross-certificates only)
 * @param pathLength basic constraints path length for CA certificates, or {@code null} for none
 * @param requireExplicitPolicy policy constraints requireExplicitPolicy, or {@code null}
 * @param inhibitPolicyMapping policy constraints inhibitPolicyMapping, or {@code null}
 * @param crlDistributionPoints URIs of the CRL (or ARL) that covers this certificate
 * @param caIssuers URIs where the issuer's certificates can be fetched (AIA caIssuers)
 * @param ocsp URIs of the OCSP responder (AIA ocsp), end-entity certificates only
 * @param subjectAltNames subject alternative names
 * @param nameConstraints name constraints (CA certificates, e.g. cross-certificates), or {@code
 *     null}
 */
public record CertificateTemplate(
    X500Name issuer,
    String issuerKeyId,
    String signatureAlgorithm,
    byte[] authorityKeyIdentifier,
    X500Name subject,
    SubjectPublicKeyInfo subjectPublicKey,
    BigInteger serial,
    Instant notBefore,
    Instant notAfter,
    CertificateProfile profile,
    List<String> policies,
    List<PolicyMapping> policyMappings,
    @Nullable Integer pathLength,
    @Nullable Integer requireExplicitPolicy,
    @Nullable Integer inhibitPolicyMapping,
    List<String> crlDistributionPoints,
    List<String> caIssuers,
    List<String> ocsp,
    List<GeneralName> subjectAltNames,
    @Nullable NameConstraints nameConstraints) {

  /** A template without name constraints. */
  public CertificateTemplate(
      X500Name issuer,
      String issuerKeyId,
      String signatureAlgorithm,
      byte[] authorityKeyIdentifier,
      X500Name subject,
      SubjectPublicKeyInfo subjectPublicKey,
      BigInteger serial,
      Instant notBefore,
      Instant notAfter,
      CertificateProfile profile,
      List<String> policies,
      List<PolicyMapping> policyMappings,
      @Nullable Integer pathLength,
      @Nullable Integer requireExplicitPolicy,
      @Nullable Integer inhibitPolicyMapping,
      List<String> crlDistributionPoints,
      List<String> caIssuers,
      List<String> ocsp,
      List<GeneralName> subjectAltNames) {
    this(
        issuer,
        issuerKeyId,
        signatureAlgorithm,
        authorityKeyIdentifier,
        subject,
        subjectPublicKey,
        serial,
        notBefore,
        notAfter,
        profile,
        policies,
        policyMappings,
        pathLength,
        requireExplicitPolicy,
        inhibitPolicyMapping,
        crlDistributionPoints,
        caIssuers,
        ocsp,
        subjectAltNames,
        null);
  }

  public CertificateTemplate {
    if (nameConstraints != null && !profile.isCa()) {
      throw new IllegalArgumentException("name constraints belong in CA certificates only");
    }
    if (serial.signum() <= 0) {
      throw new IllegalArgumentException("serial must be positive");
    }
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("notAfter must be after notBefore");
    }
    if (!policyMappings.isEmpty() && profile != CertificateProfile.CROSS_CA) {
      throw new IllegalArgumentException("policy mappings belong in cross-certificates only");
    }
    policies = List.copyOf(policies);
    policyMappings = List.copyOf(policyMappings);
    crlDistributionPoints = List.copyOf(crlDistributionPoints);
    caIssuers = List.copyOf(caIssuers);
    ocsp = List.copyOf(ocsp);
    subjectAltNames = List.copyOf(subjectAltNames);
  }

  /**
   * One policy mapping: {@code issuerDomainPolicy} in the issuer's domain is considered equivalent
   * to {@code subjectDomainPolicy} in the subject's domain.
   */
  public record PolicyMapping(String issuerDomainPolicy, String subjectDomainPolicy) {}
}
