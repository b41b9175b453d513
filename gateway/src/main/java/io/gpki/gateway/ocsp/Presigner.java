package io.gpki.gateway.ocsp;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.PublicationHold;
import io.gpki.sync.Revocation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ocsp.CertID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps the pre-signed cache current. Each round: follow the change log; drop the cached answers of
 * every certificate revoked since the last round at once (requests fall through to the store until
 * the new answer is signed); ensure the responders; then sign, for every unexpired certificate and
 * every CertID hash we support, an answer that is new (issued or changed) or older than {@code
 * period}. Rounds run one at a time: on a local change signal and every {@code interval}.
 *
 * <p>With the publication hold active, the answer that reveals a revocation is signed into the
 * cache only once the hold released the change-log seq of the revocation (the backup acknowledged
 * it, or the timeout passed); the release triggers a round.
 */
final class Presigner {

  private static final Logger LOG = LoggerFactory.getLogger(Presigner.class);

  private final CertificateIndex index;
  private final Responders responders;
  private final PresignedCache cache;
  private final ResponseSigner signer;
  private final AtomicReference<IssuerDirectory> directory;
  private final Clock clock;
  private final Duration validity;
  private final Duration period;
  private final int concurrency;
  // When each certificate's answers were last signed, and by which responder key.
  private final Map<String, Signed> signed = new ConcurrentHashMap<>();
  private final PublicationHold hold;
  // Revoked certificates whose revealing answer waits for the hold: key -> revocation's seq.
  private final Map<String, Long> held = new ConcurrentHashMap<>();

  private record Signed(Instant at, String responderKeyId, Instant responderNotAfter) {}

  Presigner(
      CertificateIndex index,
      Responders responders,
      PresignedCache cache,
      ResponseSigner signer,
      AtomicReference<IssuerDirectory> directory,
      Clock clock,
      Duration validity,
      Duration period,
      int concurrency,
      PublicationHold hold) {
    this.hold = hold;
    this.index = index;
    this.responders = responders;
    this.cache = cache;
    this.signer = signer;
    this.directory = directory;
    this.clock = clock;
    this.validity = validity;
    this.period = period;
    this.concurrency = concurrency;
  }

  /**
   * Starts the rounds.
   *
   * @param localChanges signals of local repository changes (revocations, issues)
   * @param interval the longest time between rounds (also the change-log poll for other nodes)
   * @param roundTimeout the longest one round may take
   */
  Disposable start(Flux<Boolean> localChanges, Duration interval, Duration roundTimeout) {
    return BackgroundLoop.start(
        "ocsp pre-signing round",
        Flux.merge(
            BackgroundLoop.every(interval),
            localChanges.sample(Duration.ofMillis(50)),
            // A held revocation was released: sign its answer now.
            hold.releases()),
        () -> round().timeout(roundTimeout));
  }

  /** One round. */
  Mono<Void> round() {
    return Mono.defer(
        () -> {
          Instant started = clock.instant();
          // Read before the change log: every change signalled up to here is in what sync() reads.
          long signalMark = cache.signals();
          return index
              .sync()
              .flatMap(
                  sync -> {
                    evict(sync.revoked());
                    sync.changed().forEach(signed::remove);
                    holdRevealing(sync.revokedAtSeq());
                    return responders.reconcile(index);
                  })
              .flatMap(
                  dir -> {
                    directory.set(dir);
                    // Changed certificates have no cached answers now (revoked: evicted above; new:
                    // none yet; others keep a still-true answer), so the cache counts as caught up.
                    cache.synced(started, signalMark);
                    return presignDue();
                  });
        });
  }

  /** Revoked certificates whose revealing answer must wait for the hold. */
  private void holdRevealing(Map<String, Long> revokedAtSeq) {
    if (!hold.active()) {
      held.clear();
      return;
    }
    revokedAtSeq.forEach(
        (key, seq) -> {
          if (!hold.released(seq)) {
            held.merge(key, seq, Math::max);
            hold.request(seq);
          }
        });
  }

  /** Whether the certificate's answer may be signed now (its revocation, if held, released). */
  private boolean releasedNow(CertificateIndex.Entry e) {
    Long seq = held.get(e.key());
    if (seq == null) {
      return true;
    }
    if (hold.released(seq)) {
      held.remove(e.key(), seq);
      return true;
    }
    return false;
  }

  /** Whether a revoked certificate's answer is held back now (tests). */
  boolean holding(String key) {
    return held.containsKey(key);
  }

  /** Drops every cached answer of the given certificates. */
  private void evict(Iterable<String> keys) {
    IssuerDirectory dir = Objects.requireNonNull(directory.get());
    for (String key : keys) {
      CertificateIndex.Entry e = index.get(key);
      Issuer issuer = e == null ? null : dir.find(e.caId(), e.generation());
      if (e != null && issuer != null) {
        for (Issuer.HashAlgorithm h : Issuer.HASHES) {
          cache.evict(issuer.certId(h, e.serial()));
        }
      }
      signed.remove(key);
    }
  }

  private Mono<Void> presignDue() {
    Instant now = clock.instant();
    IssuerDirectory dir = Objects.requireNonNull(directory.get());
    AtomicInteger count = new AtomicInteger();
    return Flux.fromIterable(index.entries())
        .filter(e -> e.notAfter().isAfter(now))
        .flatMap(
            e -> {
              Issuer issuer = dir.find(e.caId(), e.generation());
              if (issuer == null || !due(e, issuer, now) || !releasedNow(e)) {
                return Mono.empty();
              }
              return presign(e, issuer).doOnSuccess(x -> count.incrementAndGet());
            },
            concurrency)
        .then()
        .doOnSuccess(
            v -> {
              if (count.get() > 0) {
                LOG.info(
                    "ocsp: pre-signed the answers of {} certificates ({} cached answers, change-log seq {})",
                    count.get(),
                    cache.size(),
                    index.position());
              }
            });
  }

  private boolean due(CertificateIndex.Entry e, Issuer issuer, Instant now) {
    Signed s = signed.get(e.key());
    return s == null
        || !s.at().plus(period).isAfter(now)
        || !s.responderKeyId().equals(issuer.responder().keyId())
        || !s.responderNotAfter().equals(issuer.responder().notAfter());
  }

  private Mono<Void> presign(CertificateIndex.Entry e, Issuer issuer) {
    Instant now = clock.instant();
    Revocation r = e.revocation();
    CertState state = r == null ? CertState.GOOD : new CertState.Revoked(r.revokedAt(), r.reason());
    return Flux.fromIterable(Issuer.HASHES)
        .concatMap(
            h -> {
              CertID id = issuer.certId(h, e.serial());
              return signer
                  .sign(
                      issuer.responder(),
                      List.of(ResponseSigner.single(id, state, now, now.plus(validity))),
                      null,
                      now)
                  .doOnNext(resp -> cache.put(id, resp, r != null));
            })
        .then(
            Mono.fromRunnable(
                () ->
                    signed.put(
                        e.key(),
                        new Signed(
                            now, issuer.responder().keyId(), issuer.responder().notAfter()))))
        .onErrorResume(
            ex -> {
              LOG.warn("ocsp: could not pre-sign {}: {}", e.key(), ex.toString());
              return Mono.empty();
            })
        .then();
  }
}
