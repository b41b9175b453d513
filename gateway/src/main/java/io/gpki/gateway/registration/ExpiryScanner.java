package io.gpki.gateway.registration;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.sync.NotificationOutbox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Puts {@code expiring} events into the outbox: for every threshold (e.g. 30, 7 and 1 days), every
 * unrevoked LRA-issued certificate whose notAfter is within it gets its events once (the outbox's
 * unique dedupe key per certificate, threshold and channel makes a repeat scan, or a second
 * gateway, a no-op). A certificate first seen inside several thresholds gets one event per
 * threshold.
 */
public final class ExpiryScanner {

  private static final int PAGE = 200;

  private final NotificationOutbox outbox;
  private final Notices notices;
  private final List<Duration> thresholds;
  private final Clock clock;
  private final Runnable wakeDispatchers;

  public ExpiryScanner(
      NotificationOutbox outbox,
      Notices notices,
      List<Duration> thresholds,
      Clock clock,
      Runnable wakeDispatchers) {
    this.outbox = outbox;
    this.notices = notices;
    this.thresholds = List.copyOf(thresholds);
    this.clock = clock;
    this.wakeDispatchers = wakeDispatchers;
  }

  /** Scans every {@code interval}, starting now. */
  public Disposable start(Duration interval) {
    return BackgroundLoop.start("expiry scan", BackgroundLoop.every(interval), this::scan);
  }

  /** One scan over all thresholds; emits how many events were stored. */
  public Mono<Integer> scan() {
    Instant now = clock.instant();
    return Flux.fromIterable(thresholds)
        .concatMap(t -> scan(now, t))
        .reduce(0, Integer::sum)
        .doOnNext(
            n -> {
              if (n > 0) {
                wakeDispatchers.run();
              }
            });
  }

  private Mono<Integer> scan(Instant now, Duration threshold) {
    // Pages until none is left: each page's certificates get their mail event, which excludes them
    // from the next page.
    return page(now, threshold)
        .expand(n -> n > 0 ? page(now, threshold) : Mono.empty())
        .reduce(0, Integer::sum);
  }

  private Mono<Integer> page(Instant now, Duration threshold) {
    return outbox
        .expiringWithout(now, now.plus(threshold), Notices.dedupePrefix(threshold), PAGE)
        .concatMap(c -> notices.expiring(c, threshold).flatMap(outbox::enqueue))
        .reduce(0, Integer::sum);
  }
}
