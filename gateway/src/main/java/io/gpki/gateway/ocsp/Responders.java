package io.gpki.gateway.ocsp;

import io.gpki.signer.CaSigner;
import io.gpki.signer.KeySpec;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CaRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Keeps one delegated responder per CA whose current key this gateway holds: a key {@code
 * <ca>-ocsp-g<generation>} generated in the CA's own key source, and a certificate
 * (id-kp-OCSPSigning, id-pkix-ocsp-nocheck) issued by the CA, reissued {@code renewBefore} ahead of
 * expiry. Older key generations we still hold answer with the CA key itself (RFC 6960 allows the CA
 * to sign), so their certificates keep a status without a responder certificate per old key.
 */
final class Responders {

  private static final Logger LOG = LoggerFactory.getLogger(Responders.class);

  private final CaSigner signer;
  private final CaLookup cas;
  private final ResponderCertificates certificates;
  private final Function<String, String> keySourceOfCa;
  private final Clock clock;
  private final Duration validity;
  private final Duration renewBefore;
  private final Map<String, Responder> delegated = new ConcurrentHashMap<>();

  Responders(
      CaSigner signer,
      CaLookup cas,
      ResponderCertificates certificates,
      Function<String, String> keySourceOfCa,
      Clock clock,
      Duration validity,
      Duration renewBefore) {
    this.signer = signer;
    this.cas = cas;
    this.certificates = certificates;
    this.keySourceOfCa = keySourceOfCa;
    this.clock = clock;
    this.validity = validity;
    this.renewBefore = renewBefore;
  }

  /** The signer key id of a CA generation's delegated responder. */
  static String responderKeyId(String caId, int generation) {
    return caId + "-ocsp-g" + generation;
  }

  /**
   * Ensures every responder and builds the issuer directory. A responder that cannot be made now
   * (the signer is down, the node is a backup) leaves its issuer pending: {@code tryLater}, not
   * {@code unauthorized}; the next round tries again.
   */
  Mono<IssuerDirectory> reconcile(CertificateIndex index) {
    List<Issuer> ready = new ArrayList<>();
    Set<Issuer.Key> pending = new HashSet<>();
    return cas.cas()
        .concatMap(ca -> cas.keys(ca.id()).concatMap(key -> issuer(ca, key, index, pending)))
        .doOnNext(ready::add)
        .then(Mono.fromSupplier(() -> new IssuerDirectory(ready, pending, true)));
  }

  private Mono<Issuer> issuer(
      CaRecord ca, CaKeyRecord key, CertificateIndex index, Set<Issuer.Key> pending) {
    byte[] keyBits =
        SubjectPublicKeyInfo.getInstance(key.publicKey()).getPublicKeyData().getBytes();
    return signer
        .hasKey(key.keyId())
        .filter(Boolean::booleanValue)
        .flatMap(
            held -> {
              if (key.generation() != ca.currentGeneration()) {
                Responder self =
                    new Responder(
                        key.keyId(),
                        signatureAlgorithm(key.publicKey()),
                        key.keyIdentifier(),
                        List.of(),
                        Instant.MAX);
                return Mono.just(self);
              }
              return delegated(ca, key, index)
                  .onErrorResume(
                      e -> {
                        LOG.warn(
                            "ocsp responder for {} generation {} not ready: {}",
                            ca.id(),
                            key.generation(),
                            e.toString());
                        for (Issuer.HashAlgorithm h : Issuer.HASHES) {
                          pending.add(Issuer.key(h, ca.subjectDer(), keyBits));
                        }
                        return Mono.empty();
                      });
            })
        .map(r -> new Issuer(ca.id(), key.generation(), ca.subjectDer(), keyBits, r));
  }

  private Mono<Responder> delegated(CaRecord ca, CaKeyRecord caKey, CertificateIndex index) {
    String slot = ca.id() + "#" + caKey.generation();
    Instant now = clock.instant();
    Responder known = delegated.get(slot);
    if (known != null && known.notAfter().minus(renewBefore).isAfter(now)) {
      return Mono.just(known);
    }
    String keyId = responderKeyId(ca.id(), caKey.generation());
    KeySpec spec = spec(caKey.publicKey());
    return signer
        .hasKey(keyId)
        .flatMap(
            has ->
                has
                    ? signer.publicKey(keyId)
                    : signer.generateKey(keySourceOfCa.apply(ca.id()), keyId, spec))
        .flatMap(
            publicKey -> {
              SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
              byte[] existing = usableCertificate(index, ca.id(), caKey.generation(), spki, now);
              Mono<byte[]> cert =
                  existing != null ? Mono.just(existing) : issue(ca, caKey.generation(), spki, now);
              return cert.map(der -> responder(keyId, spec, spki, der));
            })
        .doOnNext(r -> delegated.put(slot, r));
  }

  private Mono<byte[]> issue(CaRecord ca, int generation, SubjectPublicKeyInfo spki, Instant now) {
    return certificates
        .issue(ca.id(), subject(ca), spki, now.minus(Duration.ofMinutes(5)), now.plus(validity))
        .flatMap(
            rec -> {
              if (rec.issuerGeneration() != generation) {
                // A rollover happened meanwhile; the next round makes the new generation's
                // responder.
                return Mono.error(new IllegalStateException("CA " + ca.id() + " rolled over"));
              }
              LOG.info(
                  "issued the ocsp responder certificate {}/{} (key {}, until {})",
                  ca.id(),
                  rec.serialHex(),
                  responderKeyId(ca.id(), generation),
                  rec.notAfter());
              return Mono.just(rec.der());
            });
  }

  /** The newest unrevoked responder certificate for this key with more than renewBefore left. */
  private byte @Nullable [] usableCertificate(
      CertificateIndex index, String caId, int generation, SubjectPublicKeyInfo spki, Instant now) {
    return index.responderCertificates(caId, generation).stream()
        .filter(e -> e.revocation() == null && e.notAfter().minus(renewBefore).isAfter(now))
        .filter(e -> Certificate.getInstance(e.der()).getSubjectPublicKeyInfo().equals(spki))
        .max(Comparator.comparing(CertificateIndex.Entry::notAfter))
        .map(CertificateIndex.Entry::der)
        .orElse(null);
  }

  private static Responder responder(
      String keyId, KeySpec spec, SubjectPublicKeyInfo spki, byte[] der) {
    Certificate cert = Certificate.getInstance(der);
    return new Responder(
        keyId,
        spec.signatureAlgorithm(),
        PkiObjectBuilder.keyIdentifier(spki),
        List.of(cert),
        cert.getEndDate().getDate().toInstant());
  }

  private static X500Name subject(CaRecord ca) {
    X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
    for (var rdn : X500Name.getInstance(ca.subjectDer()).getRDNs()) {
      b.addMultiValuedRDN(rdn.getTypesAndValues());
    }
    return b.addRDN(BCStyle.CN, "OCSP Responder " + ca.id()).build();
  }

  /** A responder key of the same family as its CA's key. */
  static KeySpec spec(byte[] caPublicKey) {
    return isEc(caPublicKey) ? KeySpec.EC_P256 : KeySpec.RSA_2048;
  }

  private static String signatureAlgorithm(byte[] publicKey) {
    return spec(publicKey).signatureAlgorithm();
  }

  private static boolean isEc(byte[] publicKey) {
    return SubjectPublicKeyInfo.getInstance(publicKey)
        .getAlgorithm()
        .getAlgorithm()
        .equals(X9ObjectIdentifiers.id_ecPublicKey);
  }

  /** The delegated responders made so far, by {@code <ca>#<generation>}. */
  Map<String, Responder> delegated() {
    return Map.copyOf(delegated);
  }
}
