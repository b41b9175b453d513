package io.gpki.gateway.ocsp;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.bouncycastle.asn1.ocsp.CertID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Second stage: pre-signed answers keyed by the exact DER of the CertID (so the echoed CertID is
 * byte-identical to the client's). Only single-certificate requests without a nonce can use it.
 *
 * <p>The authoritative store beats the cache: an answer is served as is only while the cache has
 * caught up with every local change signal and followed the change log within {@code maxStaleness},
 * and while it has at least {@code minRemaining} before its nextUpdate. Between a local change (a
 * revocation commits, then signals) and the round that applies it, a hit is served only after the
 * store confirms the state it encodes; otherwise the request falls through to the store.
 */
final class PresignedCache implements StatusSource {

  /** A pre-signed answer and whether it says revoked. */
  record Entry(SignedResponse response, boolean revoked) {}

  private final ConcurrentHashMap<ByteBuffer, Entry> entries = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Duration minRemaining;
  private final Duration maxStaleness;
  private final Function<Target, Mono<CertState>> store;
  private final StatusSource next;
  private final AtomicLong signals = new AtomicLong();
  private volatile long appliedSignals;
  private volatile Instant lastSync = Instant.MIN;

  /**
   * @param store the authoritative state of one certificate (used only while a change is pending)
   * @param next the next stage
   */
  PresignedCache(
      Clock clock,
      Duration minRemaining,
      Duration maxStaleness,
      Function<Target, Mono<CertState>> store,
      StatusSource next) {
    this.clock = clock;
    this.minRemaining = minRemaining;
    this.maxStaleness = maxStaleness;
    this.store = store;
    this.next = next;
  }

  @Override
  public Mono<OcspResult> answer(OcspQuery query) {
    if (!query.presignable()) {
      return next.answer(query);
    }
    Target target = query.targets().get(0);
    Entry hit = lookup(target.certId());
    if (hit == null) {
      return next.answer(query);
    }
    OcspResult answer = new OcspResult.Answered(hit.response(), OcspResult.Origin.PRESIGNED);
    if (!changePending()) {
      return Mono.just(answer);
    }
    return store
        .apply(target)
        .map(
            state ->
                state instanceof CertState.Revoked == hit.revoked()
                    && !(state instanceof CertState.Unknown))
        .onErrorReturn(false)
        .flatMap(confirmed -> confirmed ? Mono.just(answer) : next.answer(query));
  }

  /**
   * The pre-signed answer for a resolved query when it can be served as is right now,
   * synchronously: presignable, a usable hit, and no local change pending (then {@link #answer}
   * confirms against the store first). {@code null} otherwise.
   */
  @Nullable SignedResponse peek(OcspQuery resolved) {
    return resolved.presignable() ? peek(resolved.targets().get(0).certId()) : null;
  }

  /**
   * The pre-signed answer for one CertID when it can be served as is right now (a usable hit and no
   * local change pending), as a nonce-less request for it gets; {@code null} otherwise.
   */
  @Nullable SignedResponse peek(CertID id) {
    if (changePending()) {
      return null;
    }
    Entry hit = lookup(id);
    return hit == null ? null : hit.response();
  }

  /** The usable pre-signed answer for a CertID, or {@code null}. */
  @Nullable Entry lookup(CertID id) {
    Instant now = clock.instant();
    if (lastSync.plus(maxStaleness).isBefore(now)) {
      return null;
    }
    Entry hit = entries.get(Issuer.cacheKey(id));
    if (hit == null || hit.response().nextUpdate().minus(minRemaining).isBefore(now)) {
      return null;
    }
    return hit;
  }

  void put(CertID id, SignedResponse response, boolean revoked) {
    entries.put(Issuer.cacheKey(id), new Entry(response, revoked));
  }

  void evict(CertID id) {
    entries.remove(Issuer.cacheKey(id));
  }

  /**
   * A local change committed: until a round that started after this applies it, hits are checked
   * against the store. Called synchronously from the change signal, so it happens before the
   * changing call returns to its caller.
   */
  void changed() {
    signals.incrementAndGet();
  }

  /** The change signals seen so far; a round reads this before it reads the change log. */
  long signals() {
    return signals.get();
  }

  /**
   * Records that the cache reflects the change log as of {@code at}, including every local change
   * signalled up to {@code signalMark}.
   */
  void synced(Instant at, long signalMark) {
    lastSync = at;
    if (signalMark > appliedSignals) {
      appliedSignals = signalMark;
    }
  }

  boolean changePending() {
    return signals.get() > appliedSignals;
  }

  /** When the cache last caught up with the change log. */
  Instant lastSync() {
    return lastSync;
  }

  int size() {
    return entries.size();
  }
}
