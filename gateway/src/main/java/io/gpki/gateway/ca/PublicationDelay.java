package io.gpki.gateway.ca;

import io.gpki.signer.CrlScope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metric {@code gpki.revocation.publication{scope}}: how long a revocation waited, from its
 * acceptance (an LRA request's acceptance, or the revocation itself for other callers) until the
 * first CRL/ARL that lists it was archived. A list lists every revocation committed before its
 * entries were read, so each revocation is stamped with a sequence number when committed and each
 * issue with the sequence number reached when it starts reading; an issue settles every revocation
 * stamped before it.
 *
 * <p>In memory only (a metric, not a record: a restart forgets waiting revocations, the CRLs do
 * not). At most {@value #MAX_WAITING} revocations wait per list; beyond that the oldest are dropped
 * unmeasured.
 */
final class PublicationDelay {

  static final int MAX_WAITING = 100_000;

  private record Waiting(long stamp, Instant since) {}

  /** The revocations of one list in stamp order, with their count (a queue's size() walks it). */
  private static final class Queue {
    final ConcurrentLinkedQueue<Waiting> items = new ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicInteger size =
        new java.util.concurrent.atomic.AtomicInteger();

    void add(Waiting w) {
      items.add(w);
      if (size.incrementAndGet() > MAX_WAITING && items.poll() != null) {
        size.decrementAndGet();
      }
    }

    boolean remove(Waiting w) {
      if (items.remove(w)) {
        size.decrementAndGet();
        return true;
      }
      return false;
    }
  }

  private final AtomicLong sequence = new AtomicLong();
  private final Map<RepositoryChanges.ListRequest, Queue> waiting = new ConcurrentHashMap<>();
  private final Timer crl;
  private final Timer arl;

  PublicationDelay(MeterRegistry meters) {
    crl = timer(meters, "crl");
    arl = timer(meters, "arl");
  }

  PublicationDelay() {
    this(new SimpleMeterRegistry());
  }

  private static Timer timer(MeterRegistry meters, String scope) {
    return Timer.builder("gpki.revocation.publication")
        .description(
            "time from a revocation's acceptance to the archive of the first list that contains it")
        .tag("scope", scope)
        .publishPercentileHistogram()
        .register(meters);
  }

  /**
   * A revocation of a certificate in {@code scope} of the CA was committed; it waits since {@code
   * since}.
   */
  void revoked(String caId, CrlScope scope, Instant since) {
    waiting
        .computeIfAbsent(new RepositoryChanges.ListRequest(caId, scope), k -> new Queue())
        .add(new Waiting(sequence.incrementAndGet(), since));
  }

  /** Called before an issue reads its entries; pass the result to {@link #issued}. */
  long mark() {
    return sequence.get();
  }

  /** A list whose entries were read after {@code mark} was taken is archived at {@code at}. */
  void issued(String caId, CrlScope scope, long mark, Instant at) {
    Queue q = waiting.get(new RepositoryChanges.ListRequest(caId, scope));
    if (q == null) {
      return;
    }
    Timer timer = scope == CrlScope.ARL ? arl : crl;
    for (Waiting w = q.items.peek(); w != null && w.stamp() <= mark; w = q.items.peek()) {
      if (q.remove(w)) {
        Duration waited = Duration.between(w.since(), at);
        timer.record(waited.isNegative() ? Duration.ZERO : waited);
      }
    }
  }
}
