package io.gpki.gateway.ca;

import io.gpki.signer.CaSigner;
import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CertificateTemplate;
import io.gpki.signer.CertificateTemplate.PolicyMapping;
import io.gpki.signer.CrlScope;
import io.gpki.signer.KeySpec;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CaWriter;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateWriter;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.Revocation;
import io.gpki.sync.RevocationWriter;
import io.gpki.sync.StoreException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * The CA engine: creates CAs, cross-certifies, rolls keys over, issues and revokes certificates. It
 * builds and signs through the signer adapter and stores through repository-sync, so every result
 * is in the change log. Lists (CRL/ARL) are issued by {@link CrlPublisher}.
 */
public final class CaEngine {

  private static final int SERIAL_ATTEMPTS = 3;

  private final CaSigner signer;
  private final PkiObjectBuilder builder;
  private final CaLookup cas;
  private final CaWriter caWriter;
  private final CertificateLookup certificates;
  private final CertificateWriter certificateWriter;
  private final RevocationWriter revocations;
  private final RepositoryContentSource content;
  private final RepositoryUrls urls;
  private final Function<String, String> keySourceOfCa;
  private final Clock clock;
  private final RepositoryChanges changes;

  /**
   * @param cas reads CAs and key generations
   * @param caWriter creates CAs and key generations
   * @param certificates reads stored certificates (a reserved serial is signed at most once)
   * @param certificateWriter stores issued certificates
   * @param revocations revokes certificates
   * @param content the published content (key rollover reads the current self-signed certificate)
   * @param keySourceOfCa which key source holds a CA's keys (exactly one per CA)
   */
  public CaEngine(
      CaSigner signer,
      CaLookup cas,
      CaWriter caWriter,
      CertificateLookup certificates,
      CertificateWriter certificateWriter,
      RevocationWriter revocations,
      RepositoryContentSource content,
      RepositoryUrls urls,
      Function<String, String> keySourceOfCa,
      Clock clock,
      RepositoryChanges changes) {
    this.signer = signer;
    this.builder = new PkiObjectBuilder(signer);
    this.cas = cas;
    this.caWriter = caWriter;
    this.certificates = certificates;
    this.certificateWriter = certificateWriter;
    this.revocations = revocations;
    this.content = content;
    this.urls = urls;
    this.keySourceOfCa = keySourceOfCa;
    this.clock = clock;
    this.changes = changes;
  }

  /**
   * What a new CA looks like.
   *
   * @param id short id
   * @param displayName human-readable name
   * @param role BRIDGE, GOVERNMENT, INTERNAL or EXTERNAL
   * @param subject distinguished name
   * @param policyOid the CA's own certificate policy
   * @param keySpec key type
   * @param validity lifetime of the self-signed certificate
   */
  public record NewCa(
      String id,
      String displayName,
      String role,
      X500Name subject,
      @Nullable String policyOid,
      KeySpec keySpec,
      Duration validity) {}

  /** A CA with its self-signed certificate. */
  public record CreatedCa(CaRecord ca, CertificateRecord selfSigned) {}

  /** Creates a CA: generates its first key, self-signs, stores CA, key and certificate. */
  public Mono<CreatedCa> createCa(NewCa n) {
    String keyId = keyId(n.id(), 1);
    String source = keySourceOfCa.apply(n.id());
    Instant now = clock.instant();
    return keyFor(source, keyId, n.keySpec())
        .flatMap(
            pub -> {
              SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pub.getEncoded());
              byte[] ski = PkiObjectBuilder.keyIdentifier(spki);
              CaRecord ca =
                  new CaRecord(
                      n.id(),
                      n.displayName(),
                      n.role(),
                      Certificates.rfc4514(n.subject()),
                      Certificates.der(n.subject()),
                      n.policyOid(),
                      1,
                      now,
                      now);
              CaKeyRecord key =
                  new CaKeyRecord(n.id(), 1, keyId, source, pub.getEncoded(), ski, now);
              return caWriter
                  .createCa(ca, key)
                  .then(selfSigned(ca, key, n.keySpec(), now, now.plus(n.validity())))
                  .map(cert -> new CreatedCa(ca, cert));
            })
        .doOnSuccess(x -> changes.changed());
  }

  private Mono<CertificateRecord> selfSigned(
      CaRecord ca, CaKeyRecord key, KeySpec spec, Instant notBefore, Instant notAfter) {
    return selfSigned(ca, key, spec, notBefore, notAfter, null);
  }

  /**
   * The self-signed certificate of a key generation; with a reserved serial it is signed at most
   * once.
   */
  Mono<CertificateRecord> selfSigned(
      CaRecord ca,
      CaKeyRecord key,
      KeySpec spec,
      Instant notBefore,
      Instant notAfter,
      java.math.@Nullable BigInteger fixedSerial) {
    X500Name name = X500Name.getInstance(ca.subjectDer());
    return issue(
        ca.id(),
        fixedSerial,
        serial ->
            new CertificateTemplate(
                name,
                key.keyId(),
                spec.signatureAlgorithm(),
                key.keyIdentifier(),
                name,
                SubjectPublicKeyInfo.getInstance(key.publicKey()),
                serial,
                notBefore,
                notAfter,
                CertificateProfile.SELF_SIGNED_CA,
                List.of(),
                List.of(),
                null,
                null,
                null,
                urls.distributionPoints(ca.id(), ca.subjectDn(), CrlScope.ARL),
                List.of(),
                List.of(),
                List.of()),
        key.generation(),
        CertificateKind.SELF_SIGNED,
        CertificateProfile.SELF_SIGNED_CA,
        ca.id(),
        null);
  }

  /**
   * Issues a cross-certificate from {@code issuerId} to {@code subjectId}'s current key.
   *
   * @param policies issuer-domain policies the subject domain is trusted for
   * @param mappings issuer-domain to subject-domain policy mappings
   */
  public Mono<CertificateRecord> crossCertify(
      String issuerId,
      String subjectId,
      List<String> policies,
      List<PolicyMapping> mappings,
      Duration validity) {
    Instant now = clock.instant();
    return Mono.zip(current(issuerId), current(subjectId))
        .flatMap(
            t -> {
              CurrentCa issuer = t.getT1();
              CurrentCa subject = t.getT2();
              return issueWithFreshSerial(
                  issuerId,
                  serial ->
                      new CertificateTemplate(
                          issuer.name(),
                          issuer.key().keyId(),
                          issuer.signatureAlgorithm(),
                          issuer.key().keyIdentifier(),
                          subject.name(),
                          SubjectPublicKeyInfo.getInstance(subject.key().publicKey()),
                          serial,
                          now,
                          now.plus(validity),
                          CertificateProfile.CROSS_CA,
                          policies,
                          mappings,
                          null,
                          null,
                          null,
                          urls.distributionPoints(issuerId, issuer.ca().subjectDn(), CrlScope.ARL),
                          urls.caIssuers(issuerId),
                          List.of(),
                          List.of()),
                  issuer.key().generation(),
                  CertificateKind.CROSS,
                  CertificateProfile.CROSS_CA,
                  subjectId,
                  null);
            })
        .doOnSuccess(x -> changes.changed());
  }

  /**
   * Rolls a CA over to a new key and makes it current: a new self-signed certificate, and the two
   * link certificates (old-with-new: the old key signed by the new one; new-with-old: the new key
   * signed by the old one), both valid until {@code oldExpiry}. See {@link KeyRollover} for the
   * idempotent steps behind it.
   */
  public Mono<KeyRollover.Rollover> rollover(
      String caId, KeySpec spec, Duration validity, Instant oldExpiry) {
    return keyRollover().rollover(caId, spec, validity, oldExpiry);
  }

  /** Key rollover in idempotent steps (two-person CA key generation uses them one by one). */
  public KeyRollover keyRollover() {
    return new KeyRollover(this, cas, caWriter, content, urls, keySourceOfCa, clock, changes);
  }

  /**
   * An end-entity certificate request, already approved.
   *
   * @param subject subject name
   * @param publicKey the subscriber's public key
   * @param profile certificate profile
   * @param notBefore start of validity
   * @param notAfter end of validity
   * @param subjectAltNames subject alternative names
   * @param label a note stored with the certificate, or {@code null}
   */
  public record EndEntity(
      X500Name subject,
      SubjectPublicKeyInfo publicKey,
      CertificateProfile profile,
      Instant notBefore,
      Instant notAfter,
      List<GeneralName> subjectAltNames,
      @Nullable String label) {}

  /** Issues an end-entity certificate under the CA's current key and its policy. */
  public Mono<CertificateRecord> issue(String caId, EndEntity ee) {
    return issueEndEntity(caId, ee, null);
  }

  /**
   * Issues an end-entity certificate with a serial the caller reserved beforehand (the registration
   * journal does, so that a retry after a crash signs the same serial and the store's unique
   * (issuer, serial) refuses a second certificate). Errors with {@link StoreException.Conflict}
   * when the serial is already used; there is no retry with another serial.
   */
  public Mono<CertificateRecord> issue(String caId, EndEntity ee, java.math.BigInteger serial) {
    return issueEndEntity(caId, ee, serial);
  }

  private Mono<CertificateRecord> issueEndEntity(
      String caId, EndEntity ee, java.math.@Nullable BigInteger fixedSerial) {
    if (ee.profile().isCa()) {
      return Mono.error(new IllegalArgumentException("not an end-entity profile: " + ee.profile()));
    }
    return current(caId)
        .flatMap(
            ca -> {
              Function<java.math.BigInteger, CertificateTemplate> template =
                  serial ->
                      new CertificateTemplate(
                          ca.name(),
                          ca.key().keyId(),
                          ca.signatureAlgorithm(),
                          ca.key().keyIdentifier(),
                          ee.subject(),
                          ee.publicKey(),
                          serial,
                          ee.notBefore(),
                          ee.notAfter(),
                          ee.profile(),
                          ca.ca().policyOid() == null ? List.of() : List.of(ca.ca().policyOid()),
                          List.of(),
                          null,
                          null,
                          null,
                          urls.distributionPoints(caId, ca.ca().subjectDn(), CrlScope.CRL),
                          urls.caIssuers(caId),
                          urls.ocsp(),
                          ee.subjectAltNames());
              return fixedSerial == null
                  ? issueWithFreshSerial(
                      caId,
                      template,
                      ca.key().generation(),
                      CertificateKind.END_ENTITY,
                      ee.profile(),
                      null,
                      ee.label())
                  : signAndStore(
                      caId,
                      template.apply(fixedSerial),
                      ca.key().generation(),
                      CertificateKind.END_ENTITY,
                      ee.profile(),
                      null,
                      ee.label());
            })
        .doOnSuccess(x -> changes.changed());
  }

  /**
   * Revokes a certificate and asks for a new CRL (end-entity) or ARL (CA certificate) soon, not
   * only at the next scheduled issue. Revoking an already revoked certificate keeps the first
   * revocation.
   */
  public Mono<CertificateRecord> revoke(String caId, String serialHex, Revocation revocation) {
    return revoke(caId, serialHex, revocation, revocation.revokedAt());
  }

  /**
   * As {@link #revoke(String, String, Revocation)}, for a revocation accepted at {@code acceptedAt}
   * (an LRA request): the metric {@code gpki.revocation.publication} counts from then.
   */
  public Mono<CertificateRecord> revoke(
      String caId, String serialHex, Revocation revocation, Instant acceptedAt) {
    return revocations
        .revoke(caId, serialHex, revocation)
        .doOnSuccess(
            c -> {
              CrlScope scope = c.ca() ? CrlScope.ARL : CrlScope.CRL;
              changes.publicationDelay().revoked(caId, scope, acceptedAt);
              changes.changed();
              changes.listNeeded(caId, scope);
            });
  }

  /**
   * Signs with a fresh serial ({@code fixedSerial == null}) or at most once under a reserved
   * serial: when the issuer already stored a certificate with that serial for the same subject key,
   * that one is returned and nothing is signed.
   */
  Mono<CertificateRecord> issue(
      String issuerCaId,
      java.math.@Nullable BigInteger fixedSerial,
      Function<java.math.BigInteger, CertificateTemplate> template,
      int issuerGeneration,
      CertificateKind kind,
      CertificateProfile profile,
      @Nullable String subjectCaId,
      @Nullable String label) {
    if (fixedSerial == null) {
      return issueWithFreshSerial(
          issuerCaId, template, issuerGeneration, kind, profile, subjectCaId, label);
    }
    CertificateTemplate t = template.apply(fixedSerial);
    byte[] spki = Certificates.digest("SHA-256", Certificates.der(t.subjectPublicKey()));
    Mono<CertificateRecord> stored =
        certificates
            .find(issuerCaId, Certificates.hex(fixedSerial))
            .map(
                c -> {
                  if (!java.util.Arrays.equals(c.spkiSha256(), spki)) {
                    throw new StoreException.Conflict(
                        "serial "
                            + Certificates.hex(fixedSerial)
                            + " of "
                            + issuerCaId
                            + " holds another key",
                        new IllegalStateException());
                  }
                  return c;
                });
    return stored.switchIfEmpty(
        Mono.defer(
                () ->
                    signAndStore(
                        issuerCaId, t, issuerGeneration, kind, profile, subjectCaId, label))
            .onErrorResume(
                StoreException.Conflict.class, e -> stored.switchIfEmpty(Mono.error(e))));
  }

  /** Signs a template with a fresh random serial; retries with a new serial if one collides. */
  private Mono<CertificateRecord> issueWithFreshSerial(
      String issuerCaId,
      Function<java.math.BigInteger, CertificateTemplate> template,
      int issuerGeneration,
      CertificateKind kind,
      CertificateProfile profile,
      @Nullable String subjectCaId,
      @Nullable String label) {
    return Mono.defer(
            () ->
                signAndStore(
                    issuerCaId,
                    template.apply(Certificates.randomSerial()),
                    issuerGeneration,
                    kind,
                    profile,
                    subjectCaId,
                    label))
        .retryWhen(
            Retry.max(SERIAL_ATTEMPTS - 1).filter(e -> e instanceof StoreException.Conflict));
  }

  private Mono<CertificateRecord> signAndStore(
      String issuerCaId,
      CertificateTemplate t,
      int issuerGeneration,
      CertificateKind kind,
      CertificateProfile profile,
      @Nullable String subjectCaId,
      @Nullable String label) {
    return builder
        .certificate(t)
        .map(
            (X509CertificateHolder cert) ->
                Certificates.record(
                    cert,
                    issuerCaId,
                    issuerGeneration,
                    kind,
                    profile,
                    subjectCaId,
                    label,
                    clock.instant()))
        .flatMap(certificateWriter::store);
  }

  /** A CA with its current key, as used for signing. */
  record CurrentCa(CaRecord ca, CaKeyRecord key, X500Name name, String signatureAlgorithm) {}

  Mono<CurrentCa> current(String caId) {
    return cas.ca(caId)
        .switchIfEmpty(Mono.error(new StoreException.NotFound("no CA " + caId)))
        .flatMap(
            ca ->
                cas.keys(caId)
                    .filter(k -> k.generation() == ca.currentGeneration())
                    .next()
                    .switchIfEmpty(
                        Mono.error(new StoreException.NotFound("no current key for CA " + caId)))
                    .map(
                        k ->
                            new CurrentCa(
                                ca,
                                k,
                                X500Name.getInstance(ca.subjectDer()),
                                signatureAlgorithm(k))));
  }

  static String signatureAlgorithm(CaKeyRecord key) {
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.publicKey());
    return spki.getAlgorithm()
            .getAlgorithm()
            .equals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey)
        ? KeySpec.EC_P256.signatureAlgorithm()
        : KeySpec.RSA_2048.signatureAlgorithm();
  }

  Mono<PublicKey> keyFor(String source, String keyId, KeySpec spec) {
    // A key left by an interrupted earlier start is reused rather than generated twice.
    return signer
        .hasKey(keyId)
        .flatMap(has -> has ? signer.publicKey(keyId) : signer.generateKey(source, keyId, spec));
  }

  /** The signer key id of a CA's key generation. */
  public static String keyId(String caId, int generation) {
    return caId + "-g" + generation;
  }
}
