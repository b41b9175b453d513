package io.gpki.gateway.ca;

import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CertificateTemplate;
import io.gpki.signer.CertificateTemplate.PolicyMapping;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.CrossPairWriter;
import io.gpki.sync.RepositoryContentSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.CertificatePair;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Cross-certification of a CA given its CA certificate (its subject name and key are certified, as
 * presented), under a serial reserved beforehand so a repeated run signs at most once, followed by
 * the cross-certificate pairs of both directory entries (the existing other direction is kept).
 */
public final class CrossCertification {

  private final CaEngine engine;
  private final RepositoryContentSource content;
  private final CrossPairWriter crossPairs;
  private final RepositoryUrls urls;
  private final Clock clock;
  private final RepositoryChanges changes;

  public CrossCertification(
      CaEngine engine,
      RepositoryContentSource content,
      CrossPairWriter crossPairs,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes) {
    this.engine = engine;
    this.content = content;
    this.crossPairs = crossPairs;
    this.urls = urls;
    this.clock = clock;
    this.changes = changes;
  }

  /**
   * What the cross-certificate says besides names and key.
   *
   * @param policies issuer-domain policies the subject domain is trusted for
   * @param mappings issuer-domain to subject-domain policy mappings
   * @param pathLength basic constraints path length, or {@code null}
   * @param requireExplicitPolicy policy constraints, or {@code null}
   * @param inhibitPolicyMapping policy constraints, or {@code null}
   * @param nameConstraints permitted/excluded subtrees, or {@code null}
   * @param validity lifetime
   */
  public record Terms(
      List<String> policies,
      List<PolicyMapping> mappings,
      @Nullable Integer pathLength,
      @Nullable Integer requireExplicitPolicy,
      @Nullable Integer inhibitPolicyMapping,
      @Nullable NameConstraints nameConstraints,
      Duration validity) {}

  /**
   * Issues the cross-certificate from {@code issuerId}'s current key to the subject and key of
   * {@code subjectCertificate} (a CA certificate of the repository's CA {@code subjectCaId}) under
   * {@code serial}, then stores both pair entries.
   */
  public Mono<CertificateRecord> issue(
      String issuerId,
      String subjectCaId,
      Certificate subjectCertificate,
      Terms terms,
      BigInteger serial) {
    Instant now = clock.instant();
    return engine
        .current(issuerId)
        .flatMap(
            issuer ->
                engine.issue(
                    issuerId,
                    serial,
                    s ->
                        new CertificateTemplate(
                            issuer.name(),
                            issuer.key().keyId(),
                            issuer.signatureAlgorithm(),
                            issuer.key().keyIdentifier(),
                            subjectCertificate.getSubject(),
                            subjectCertificate.getSubjectPublicKeyInfo(),
                            s,
                            now,
                            now.plus(terms.validity()),
                            CertificateProfile.CROSS_CA,
                            terms.policies(),
                            terms.mappings(),
                            terms.pathLength(),
                            terms.requireExplicitPolicy(),
                            terms.inhibitPolicyMapping(),
                            urls.distributionPoints(
                                issuerId, issuer.ca().subjectDn(), CrlScope.ARL),
                            urls.caIssuers(issuerId),
                            List.of(),
                            List.of(),
                            terms.nameConstraints()),
                    issuer.key().generation(),
                    CertificateKind.CROSS,
                    CertificateProfile.CROSS_CA,
                    subjectCaId,
                    null))
        .flatMap(cert -> pairs(issuerId, subjectCaId, cert).thenReturn(cert))
        .doOnSuccess(x -> changes.changed());
  }

  /** Puts the new certificate into both entries' pairs, keeping each pair's other direction. */
  private Mono<Void> pairs(String issuerId, String subjectCaId, CertificateRecord cert) {
    Instant now = clock.instant();
    return content
        .load()
        .flatMap(
            c -> {
              Optional<CrossPairRecord> mine =
                  c.crossPairs().stream()
                      .filter(p -> p.id().equals(issuerId + "-" + subjectCaId))
                      .findFirst();
              Optional<CrossPairRecord> theirs =
                  c.crossPairs().stream()
                      .filter(p -> p.id().equals(subjectCaId + "-" + issuerId))
                      .findFirst();
              Certificate to = mine.map(p -> pairOf(p.der()).getForward()).orElse(null);
              Certificate by = theirs.map(p -> pairOf(p.der()).getReverse()).orElse(null);
              CrossPairRecord issuerEntry =
                  pair(
                      issuerId,
                      subjectCaId,
                      mine.map(CrossPairRecord::forwardCertId).orElse(null),
                      to,
                      cert.id(),
                      Certificate.getInstance(cert.der()),
                      now);
              CrossPairRecord subjectEntry =
                  pair(
                      subjectCaId,
                      issuerId,
                      cert.id(),
                      Certificate.getInstance(cert.der()),
                      theirs.map(CrossPairRecord::reverseCertId).orElse(null),
                      by,
                      now);
              return crossPairs.put(issuerEntry).then(crossPairs.put(subjectEntry)).then();
            });
  }

  private static CertificatePair pairOf(byte[] der) {
    try {
      return CertificatePair.getInstance(org.bouncycastle.asn1.ASN1Primitive.fromByteArray(der));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The pair in {@code owner}'s entry: {@code forward} issued to the owner (by the peer), {@code
   * reverse} issued by the owner (to the peer); either may be absent.
   */
  static CrossPairRecord pair(
      String owner,
      String peer,
      @Nullable Long forwardId,
      @Nullable Certificate forward,
      @Nullable Long reverseId,
      @Nullable Certificate reverse,
      Instant at) {
    try {
      return new CrossPairRecord(
          owner + "-" + peer,
          owner,
          peer,
          forwardId,
          reverseId,
          new CertificatePair(forward, reverse).getEncoded("DER"),
          at);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
