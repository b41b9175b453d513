package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A certificate in the repository, with its revocation state.
 *
 * @param id database id; 0 before it is stored
 * @param issuerCaId the issuing CA
 * @param issuerGeneration the issuing key generation
 * @param serialHex serial number in lower-case hex without leading zeros
 * @param kind role in the repository
 * @param profile the signer profile name (e.g. OFFICIAL_SIGNING)
 * @param subjectCaId the subject CA when the subject is one of the repository's CAs
 * @param ca whether it is a CA certificate (basicConstraints cA)
 * @param subjectDn subject distinguished name (RFC 4514)
 * @param subjectDer DER of the subject name
 * @param issuerDn issuer distinguished name (RFC 4514)
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param subjectKeyIdentifier the subject key identifier
 * @param spkiSha256 SHA-256 of the SubjectPublicKeyInfo DER (duplicate-key detection)
 * @param sha1 SHA-1 of the certificate DER (RFC 4387 certHash, OCSP)
 * @param sha256 SHA-256 of the certificate DER
 * @param der the certificate
 * @param issuedAt when it was stored
 * @param label a note for operators and testers, e.g. {@code demo: revoked}
 * @param revocation the revocation, or {@code null} while not revoked
 */
public record CertificateRecord(
    long id,
    String issuerCaId,
    int issuerGeneration,
    String serialHex,
    CertificateKind kind,
    String profile,
    @Nullable String subjectCaId,
    boolean ca,
    String subjectDn,
    byte[] subjectDer,
    String issuerDn,
    Instant notBefore,
    Instant notAfter,
    byte[] subjectKeyIdentifier,
    byte[] spkiSha256,
    byte[] sha1,
    byte[] sha256,
    byte[] der,
    Instant issuedAt,
    @Nullable String label,
    @Nullable Revocation revocation) {

  /** Whether the certificate is revoked. */
  public boolean revoked() {
    return revocation != null;
  }

  /** The same certificate with a revocation. */
  public CertificateRecord withRevocation(Revocation r) {
    return new CertificateRecord(
        id,
        issuerCaId,
        issuerGeneration,
        serialHex,
        kind,
        profile,
        subjectCaId,
        ca,
        subjectDn,
        subjectDer,
        issuerDn,
        notBefore,
        notAfter,
        subjectKeyIdentifier,
        spkiSha256,
        sha1,
        sha256,
        der,
        issuedAt,
        label,
        r);
  }

  /** The same certificate with a database id. */
  public CertificateRecord withId(long newId) {
    return new CertificateRecord(
        newId,
        issuerCaId,
        issuerGeneration,
        serialHex,
        kind,
        profile,
        subjectCaId,
        ca,
        subjectDn,
        subjectDer,
        issuerDn,
        notBefore,
        notAfter,
        subjectKeyIdentifier,
        spkiSha256,
        sha1,
        sha256,
        der,
        issuedAt,
        label,
        revocation);
  }
}
