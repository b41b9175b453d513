package io.gpki.gateway.ocsp;

import io.gpki.signer.CertificateProfile;
import io.gpki.sync.CertificateStatusReader;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.Revocation;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.x509.Certificate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every certificate our CAs issued, with its revocation state: loaded at start from the store's
 * current status together with the change-log position it reflects (one consistent snapshot,
 * streamed, not a replay of the history), then kept current by following the change log from that
 * position. It tells the pre-signer what to sign and which answers a change made stale. The
 * authoritative answer on a cache miss still comes from the store itself.
 *
 * <p>Compact: one small entry per certificate in a map per CA keyed by serial; the DER is kept only
 * for responder certificates.
 */
final class CertificateIndex {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateIndex.class);
  private static final int PAGE = 500;
  // Snapshot rows handed to the index at a time: bounds what is buffered between the database and
  // it.
  private static final int LOAD_PREFETCH = 1_024;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> WITH_DER = Set.of(CertificateProfile.OCSP_SIGNING.name());

  /**
   * One certificate.
   *
   * @param caId issuing CA (one shared string per CA)
   * @param generation issuing key generation
   * @param serial serial number
   * @param notAfterSecond end of validity, epoch seconds
   * @param revocation the revocation, or {@code null}
   * @param der the certificate, kept only for responder certificates
   */
  record Entry(
      String caId,
      int generation,
      BigInteger serial,
      long notAfterSecond,
      @Nullable Revocation revocation,
      byte @Nullable [] der) {

    Instant notAfter() {
      return Instant.ofEpochSecond(notAfterSecond);
    }

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
   * @param revokedAtSeq the change-log seq of the change that revoked each of {@code revoked}
   */
  record Sync(
      Set<String> changed,
      Set<String> revoked,
      boolean issuersChanged,
      Map<String, Long> revokedAtSeq) {}

  private final CertificateStatusReader statuses;
  private final ChangeLogReader log;
  private final Map<String, Map<BigInteger, Entry>> byCa = new ConcurrentHashMap<>();
  // One string instance per CA id, shared by its entries.
  private final Map<String, String> caIds = new ConcurrentHashMap<>();
  // Responder certificates (a handful), so the responders need not scan every certificate.
  private final Map<String, Entry> responders = new ConcurrentHashMap<>();
  private volatile long seq;
  private volatile boolean loaded;

  CertificateIndex(CertificateStatusReader statuses, ChangeLogReader log) {
    this.statuses = statuses;
    this.log = log;
  }

  /**
   * The first call loads the snapshot (again after a failed load), then every call reads the
   * change-log entries after the last one applied and applies them.
   */
  Mono<Sync> sync() {
    return (loaded ? Mono.<Void>empty() : load()).then(Mono.defer(this::follow));
  }

  private Mono<Void> load() {
    return Mono.defer(
        () -> {
          byCa.clear();
          responders.clear();
          long[] position = {-1};
          long[] count = {0};
          return statuses
              .snapshot(WITH_DER)
              // Off the database's event loop, with bounded demand: rows arrive as the index takes
              // them.
              .publishOn(Schedulers.parallel(), LOAD_PREFETCH)
              .doOnNext(
                  item -> {
                    if (item instanceof CertificateStatusReader.Position p) {
                      position[0] = p.seq();
                    } else if (item instanceof CertificateStatusReader.Status s) {
                      put(entry(s));
                      count[0]++;
                    }
                  })
              .then(
                  Mono.fromRunnable(
                      () -> {
                        if (position[0] < 0) {
                          throw new IllegalStateException(
                              "certificate status snapshot without a position");
                        }
                        seq = position[0];
                        loaded = true;
                        LOG.info(
                            "ocsp: loaded the status of {} certificates at change-log seq {}",
                            count[0],
                            position[0]);
                      }));
        });
  }

  private Mono<Sync> follow() {
    Set<String> changed = new HashSet<>();
    Map<String, Long> revoked = new java.util.HashMap<>();
    boolean[] issuers = {false};
    return page(changed, revoked, issuers)
        .then(
            Mono.fromSupplier(
                () ->
                    new Sync(
                        Set.copyOf(changed),
                        Set.copyOf(revoked.keySet()),
                        issuers[0],
                        Map.copyOf(revoked))));
  }

  private Mono<Void> page(Set<String> changed, Map<String, Long> revoked, boolean[] issuers) {
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

  private void apply(
      ChangeLogEntry e, Set<String> changed, Map<String, Long> revoked, boolean[] issuers) {
    switch (e.entity()) {
      case "CA", "CA_KEY" -> issuers[0] = true;
      case "CERTIFICATE", "REVOCATION" -> {
        Entry entry = put(parse(e.payload()));
        changed.add(entry.key());
        if (entry.revocation() != null) {
          revoked.put(entry.key(), e.seq());
        }
      }
      default -> {
        // CRLs and cross pairs do not change any certificate's status.
      }
    }
  }

  /** Stores an entry under its CA's shared id string; returns the stored entry. */
  @SuppressWarnings("ReferenceEquality") // identity is the point: one shared String per CA id
  private Entry put(Entry e) {
    String caId = caIds.computeIfAbsent(e.caId(), id -> id);
    // Same instance (not just equal): the entry already points at the shared string.
    Entry shared =
        caId == e.caId()
            ? e
            : new Entry(
                caId, e.generation(), e.serial(), e.notAfterSecond(), e.revocation(), e.der());
    byCa.computeIfAbsent(caId, id -> new ConcurrentHashMap<>()).put(e.serial(), shared);
    if (shared.der() != null) {
      responders.put(shared.key(), shared);
    }
    return shared;
  }

  private static Entry entry(CertificateStatusReader.Status s) {
    return new Entry(
        s.issuerCaId(),
        s.issuerGeneration(),
        new BigInteger(s.serialHex(), 16),
        s.notAfter().getEpochSecond(),
        s.revocation(),
        s.der());
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
              invalidity == null || invalidity.isNull()
                  ? null
                  : Instant.parse(invalidity.asString()));
    }
    return new Entry(
        n.get("issuerCaId").asString(),
        n.get("issuerGeneration").asInt(),
        new BigInteger(n.get("serialHex").asString(), 16),
        cert.getEndDate().getDate().toInstant().getEpochSecond(),
        revocation,
        WITH_DER.contains(profile) ? der : null);
  }

  /** Every certificate known so far (a copy). */
  List<Entry> entries() {
    List<Entry> all = new ArrayList<>();
    byCa.values().forEach(m -> all.addAll(m.values()));
    return all;
  }

  /** One certificate by its key ({@code <ca>/<serial hex>}), or {@code null}. */
  @Nullable Entry get(String key) {
    int slash = key.lastIndexOf('/');
    Map<BigInteger, Entry> serials = slash < 0 ? null : byCa.get(key.substring(0, slash));
    return serials == null ? null : serials.get(new BigInteger(key.substring(slash + 1), 16));
  }

  /** Responder certificates issued by a CA key generation. */
  List<Entry> responderCertificates(String caId, int generation) {
    return responders.values().stream()
        .filter(e -> e.caId().equals(caId) && e.generation() == generation)
        .toList();
  }

  /** The last change-log position applied. */
  long position() {
    return seq;
  }

  /** Whether the snapshot has been loaded. */
  boolean loaded() {
    return loaded;
  }
}
