package io.gpki.gateway.ocsp;

import io.gpki.signer.CertificateProfile;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.Revocation;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.Certificate;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every certificate our CAs issued, with its revocation state, rebuilt from the ordered change log
 * (replayed from the start, then followed). It tells the pre-signer what to sign and which answers a
 * change made stale. The authoritative answer on a cache miss still comes from the store itself.
 */
final class CertificateIndex {

  private static final int PAGE = 500;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * One certificate.
   *
   * @param caId issuing CA
   * @param generation issuing key generation
   * @param serial serial number
   * @param notAfter end of validity
   * @param revocation the revocation, or {@code null}
   * @param profile the signer profile name
   * @param der the certificate, kept only for responder certificates
   */
  record Entry(
      String caId,
      int generation,
      BigInteger serial,
      Instant notAfter,
      @Nullable Revocation revocation,
      String profile,
      byte @Nullable [] der) {

    String key() {
      return caId + "/" + serial.toString(16);
    }
  }

  /**
   * What one sync saw.
   *
   * @param changed certificates added or changed
   * @param revoked certificates revoked (their cached answers must go at once)
   * @param issuersChanged whether CAs or CA keys changed
   */
  record Sync(Set<String> changed, Set<String> revoked, boolean issuersChanged) {}

  private final ChangeLogReader log;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile long seq;

  CertificateIndex(ChangeLogReader log) {
    this.log = log;
  }

  /** Reads every change-log entry after the last one seen and applies it. */
  Mono<Sync> sync() {
    Set<String> changed = new HashSet<>();
    Set<String> revoked = new HashSet<>();
    boolean[] issuers = {false};
    return page(changed, revoked, issuers)
        .then(Mono.fromSupplier(() -> new Sync(Set.copyOf(changed), Set.copyOf(revoked), issuers[0])));
  }

  private Mono<Void> page(Set<String> changed, Set<String> revoked, boolean[] issuers) {
    return log.after(seq, PAGE)
        .collectList()
        // Parsing certificates is CPU work: off the database's event loop.
        .publishOn(Schedulers.parallel())
        .flatMap(
            list -> {
              for (ChangeLogEntry e : list) {
                apply(e, changed, revoked, issuers);
                seq = e.seq();
              }
              return list.size() < PAGE ? Mono.empty() : page(changed, revoked, issuers);
            });
  }

  private void apply(ChangeLogEntry e, Set<String> changed, Set<String> revoked, boolean[] issuers) {
    switch (e.entity()) {
      case "CA", "CA_KEY" -> issuers[0] = true;
      case "CERTIFICATE", "REVOCATION" -> {
        Entry entry = parse(e.payload());
        entries.put(entry.key(), entry);
        changed.add(entry.key());
        if (entry.revocation() != null) {
          revoked.add(entry.key());
        }
      }
      default -> {
        // CRLs and cross pairs do not change any certificate's status.
      }
    }
  }

  /** A certificate payload of the change log (the store's full record as JSON). */
  static Entry parse(String payload) {
    JsonNode n = JSON.readTree(payload);
    byte[] der = Base64.getDecoder().decode(n.get("der").asString());
    Certificate cert = Certificate.getInstance(der);
    String profile = n.get("profile").asString();
    JsonNode revokedAt = n.get("revokedAt");
    Revocation revocation = null;
    if (revokedAt != null && !revokedAt.isNull()) {
      JsonNode invalidity = n.get("invalidityDate");
      revocation =
          new Revocation(
              Instant.parse(revokedAt.asString()),
              n.get("revocationReason").asInt(),
              invalidity == null || invalidity.isNull() ? null : Instant.parse(invalidity.asString()));
    }
    return new Entry(
        n.get("issuerCaId").asString(),
        n.get("issuerGeneration").asInt(),
        new BigInteger(n.get("serialHex").asString(), 16),
        cert.getEndDate().getDate().toInstant(),
        revocation,
        profile,
        CertificateProfile.OCSP_SIGNING.name().equals(profile) ? der : null);
  }

  /** Every certificate seen so far. */
  Collection<Entry> entries() {
    return entries.values();
  }

  /** One certificate by its key ({@code <ca>/<serial hex>}), or {@code null}. */
  @Nullable Entry get(String key) {
    return entries.get(key);
  }

  /** Responder certificates issued by a CA key generation. */
  List<Entry> responderCertificates(String caId, int generation) {
    return entries.values().stream()
        .filter(e -> e.der() != null && e.caId().equals(caId) && e.generation() == generation)
        .toList();
  }

  /** The last change-log position applied. */
  long position() {
    return seq;
  }
}
