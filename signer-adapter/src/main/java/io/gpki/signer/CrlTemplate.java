package io.gpki.signer;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.jspecify.annotations.Nullable;

/**
 * Everything needed to build one CRL or ARL.
 *
 * @param issuer the CA's distinguished name
 * @param issuerKeyId signer key id of the CA key that signs the list
 * @param signatureAlgorithm JCA signature algorithm
 * @param authorityKeyIdentifier the signing key's subject key identifier
 * @param scope whether this is the list for end-entity certificates (CRL) or CA certificates (ARL)
 * @param number the CRL number, strictly increasing per CA and scope
 * @param thisUpdate issue time
 * @param nextUpdate the time by which the next list will be issued
 * @param distributionPoints URIs named in the issuing distribution point; they match the CRL
 *     distribution points of the certificates this list covers
 * @param entries revoked, unexpired certificates in this scope, already DER-encoded (a list of a
 *     million entries stays one byte array)
 */
public record CrlTemplate(
    X500Name issuer,
    String issuerKeyId,
    String signatureAlgorithm,
    byte[] authorityKeyIdentifier,
    CrlScope scope,
    BigInteger number,
    Instant thisUpdate,
    Instant nextUpdate,
    List<String> distributionPoints,
    CrlEntries entries) {

  public CrlTemplate {
    if (!nextUpdate.isAfter(thisUpdate)) {
      throw new IllegalArgumentException("nextUpdate must be after thisUpdate");
    }
    if (number.signum() < 0) {
      throw new IllegalArgumentException("CRL number must not be negative");
    }
    distributionPoints = List.copyOf(distributionPoints);
  }

  /** A template whose entries are given as a list (small lists, tests). */
  public CrlTemplate(
      X500Name issuer,
      String issuerKeyId,
      String signatureAlgorithm,
      byte[] authorityKeyIdentifier,
      CrlScope scope,
      BigInteger number,
      Instant thisUpdate,
      Instant nextUpdate,
      List<String> distributionPoints,
      List<Entry> entries) {
    this(
        issuer,
        issuerKeyId,
        signatureAlgorithm,
        authorityKeyIdentifier,
        scope,
        number,
        thisUpdate,
        nextUpdate,
        distributionPoints,
        CrlEntries.of(entries));
  }

  /**
   * One revoked certificate.
   *
   * @param serial the certificate's serial number
   * @param revocationDate when it was revoked
   * @param reason RFC 5280 CRLReason code (0 unspecified .. 10 aACompromise)
   * @param invalidityDate when the key is known or suspected to have been compromised, if given
   */
  public record Entry(
      BigInteger serial, Instant revocationDate, int reason, @Nullable Instant invalidityDate) {}
}
