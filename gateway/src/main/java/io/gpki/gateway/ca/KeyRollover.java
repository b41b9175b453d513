package io.gpki.gateway.ca;

import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CertificateTemplate;
import io.gpki.signer.CrlScope;
import io.gpki.signer.KeySpec;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CaWriter;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.StoreException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Key rollover of a self-signed CA in idempotent steps, so that a run repeated after a crash
 * completes it with the same key and serials and signs nothing twice: (1) the new key, generated in
 * the CA's key source under the id {@code <ca>-g<n>} (an existing key with that id is reused); (2)
 * the key generation record, added without making it current when absent; (3) the new self-signed
 * certificate and the two link certificates under serials reserved beforehand ({@link Plan}): a
 * certificate already stored under its serial is kept. Activation (which generation signs) is a
 * separate step. The demo PKI runs all of it with fresh serials and activates at once.
 */
public final class KeyRollover {

  private final CaEngine engine;
  private final CaLookup cas;
  private final CaWriter caWriter;
  private final RepositoryContentSource content;
  private final RepositoryUrls urls;
  private final Function<String, String> keySourceOfCa;
  private final Clock clock;
  private final RepositoryChanges changes;

  KeyRollover(
      CaEngine engine,
      CaLookup cas,
      CaWriter caWriter,
      RepositoryContentSource content,
      RepositoryUrls urls,
      Function<String, String> keySourceOfCa,
      Clock clock,
      RepositoryChanges changes) {
    this.engine = engine;
    this.cas = cas;
    this.caWriter = caWriter;
    this.content = content;
    this.urls = urls;
    this.keySourceOfCa = keySourceOfCa;
    this.clock = clock;
    this.changes = changes;
  }

  /** The result of a key rollover. */
  public record Rollover(
      CaKeyRecord newKey,
      CertificateRecord selfSigned,
      CertificateRecord oldWithNew,
      CertificateRecord newWithOld) {}

  /**
   * What a rollover will do, fixed before anything is signed.
   *
   * @param fromGeneration the generation the links connect to (current when planned)
   * @param generation the new generation
   * @param selfSigned serial of the new self-signed certificate
   * @param oldWithNew serial of the old key certified by the new one
   * @param newWithOld serial of the new key certified by the old one
   * @param linksNotAfter end of the links' validity: the old self-signed certificate's
   */
  public record Plan(
      int fromGeneration,
      int generation,
      BigInteger selfSigned,
      BigInteger oldWithNew,
      BigInteger newWithOld,
      Instant linksNotAfter) {}

  /** A plan from the CA's current generation to the next unused one, with fresh serials. */
  public Mono<Plan> plan(String caId) {
    return engine
        .current(caId)
        .flatMap(
            cur -> {
              if (!"BRIDGE".equals(cur.ca().role())
                  && !"GOVERNMENT".equals(cur.ca().role())
                  && !"INTERNAL".equals(cur.ca().role())) {
                return Mono.error(
                    new IllegalArgumentException(
                        caId + " is an external CA: its keys are not ours"));
              }
              return cas.keys(caId)
                  .map(CaKeyRecord::generation)
                  .reduce(Math::max)
                  .zipWith(selfSignedExpiry(caId, cur.key().generation()))
                  .map(
                      t ->
                          new Plan(
                              cur.key().generation(),
                              t.getT1() + 1,
                              Certificates.randomSerial(),
                              Certificates.randomSerial(),
                              Certificates.randomSerial(),
                              t.getT2()));
            });
  }

  private Mono<Instant> selfSignedExpiry(String caId, int generation) {
    return content
        .load()
        .flatMap(
            c ->
                Mono.justOrEmpty(
                    c.caCertificates().stream()
                        .filter(
                            x ->
                                x.kind() == CertificateKind.SELF_SIGNED
                                    && x.issuerCaId().equals(caId)
                                    && x.issuerGeneration() == generation)
                        .map(CertificateRecord::notAfter)
                        .max(Instant::compareTo)))
        .switchIfEmpty(
            Mono.error(
                new IllegalArgumentException(
                    "CA "
                        + caId
                        + " generation "
                        + generation
                        + " has no self-signed certificate: only self-signed (root) CAs roll over here")));
  }

  /** Carries out a plan (steps 1 to 3); the new generation is not made current. */
  public Mono<Rollover> prepare(String caId, Plan plan, KeySpec spec, Duration validity) {
    String keyId = CaEngine.keyId(caId, plan.generation());
    String source = keySourceOfCa.apply(caId);
    Instant now = clock.instant();
    return Mono.zip(
            cas.ca(caId).switchIfEmpty(Mono.error(new StoreException.NotFound("no CA " + caId))),
            generation(caId, plan.fromGeneration()))
        .flatMap(
            t ->
                engine
                    .keyFor(source, keyId, spec)
                    .flatMap(
                        pub -> {
                          SubjectPublicKeyInfo spki =
                              SubjectPublicKeyInfo.getInstance(pub.getEncoded());
                          CaKeyRecord fresh =
                              new CaKeyRecord(
                                  caId,
                                  plan.generation(),
                                  keyId,
                                  source,
                                  pub.getEncoded(),
                                  PkiObjectBuilder.keyIdentifier(spki),
                                  now);
                          return ensureGeneration(fresh)
                              .flatMap(
                                  key ->
                                      certificates(
                                          t.getT1(),
                                          t.getT2(),
                                          key,
                                          plan,
                                          spec,
                                          now,
                                          now.plus(validity)));
                        }))
        .doOnSuccess(x -> changes.changed());
  }

  /** Plan, prepare and activate with fresh serials (the demo PKI). */
  Mono<Rollover> rollover(String caId, KeySpec spec, Duration validity, Instant oldExpiry) {
    return plan(caId)
        .map(
            p ->
                new Plan(
                    p.fromGeneration(),
                    p.generation(),
                    p.selfSigned(),
                    p.oldWithNew(),
                    p.newWithOld(),
                    oldExpiry))
        .flatMap(
            p ->
                prepare(caId, p, spec, validity)
                    .flatMap(
                        r -> caWriter.activateKeyGeneration(caId, p.generation()).thenReturn(r)))
        .doOnSuccess(x -> changes.changed());
  }

  private Mono<CaKeyRecord> generation(String caId, int generation) {
    return cas.keys(caId)
        .filter(k -> k.generation() == generation)
        .next()
        .switchIfEmpty(
            Mono.error(
                new StoreException.NotFound("no key generation " + generation + " of " + caId)));
  }

  private Mono<CaKeyRecord> ensureGeneration(CaKeyRecord fresh) {
    return cas.keys(fresh.caId())
        .filter(k -> k.generation() == fresh.generation())
        .next()
        .map(
            existing -> {
              if (!Arrays.equals(existing.publicKey(), fresh.publicKey())) {
                throw new IllegalStateException(
                    "generation "
                        + fresh.generation()
                        + " of "
                        + fresh.caId()
                        + " holds another key than "
                        + fresh.keyId());
              }
              return existing;
            })
        .switchIfEmpty(Mono.defer(() -> caWriter.addStandbyKeyGeneration(fresh)));
  }

  private Mono<Rollover> certificates(
      CaRecord ca,
      CaKeyRecord old,
      CaKeyRecord key,
      Plan plan,
      KeySpec spec,
      Instant now,
      Instant notAfter) {
    return Mono.zip(
            engine.selfSigned(ca, key, spec, now, notAfter, plan.selfSigned()),
            link(
                ca,
                old,
                key,
                plan.oldWithNew(),
                now,
                plan.linksNotAfter(),
                CertificateKind.LINK_OLD_WITH_NEW),
            link(
                ca,
                key,
                old,
                plan.newWithOld(),
                now,
                plan.linksNotAfter(),
                CertificateKind.LINK_NEW_WITH_OLD))
        .map(z -> new Rollover(key, z.getT1(), z.getT2(), z.getT3()));
  }

  /**
   * A link certificate: {@code subjectKey} certified by {@code signingKey}, both of the same CA.
   */
  private Mono<CertificateRecord> link(
      CaRecord ca,
      CaKeyRecord subjectKey,
      CaKeyRecord signingKey,
      @Nullable BigInteger serial,
      Instant now,
      Instant notAfter,
      CertificateKind kind) {
    X500Name name = X500Name.getInstance(ca.subjectDer());
    return engine.issue(
        ca.id(),
        serial,
        s ->
            new CertificateTemplate(
                name,
                signingKey.keyId(),
                CaEngine.signatureAlgorithm(signingKey),
                signingKey.keyIdentifier(),
                name,
                SubjectPublicKeyInfo.getInstance(subjectKey.publicKey()),
                s,
                now,
                notAfter,
                CertificateProfile.LINK,
                List.of(),
                List.of(),
                null,
                null,
                null,
                urls.distributionPoints(ca.id(), ca.subjectDn(), CrlScope.ARL),
                urls.caIssuers(ca.id()),
                List.of(),
                List.of()),
        signingKey.generation(),
        kind,
        CertificateProfile.LINK,
        ca.id(),
        null);
  }
}
