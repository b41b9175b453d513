package io.gpki.gateway;

import java.time.Duration;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The gateway's one background loop: a round runs on every trigger (a schedule tick, a wake-up, a
 * change signal), one round at a time.
 *
 * <ul>
 *   <li>Triggers that arrive while a round runs are coalesced, not queued: however many arrive,
 *       exactly one follow-up round runs after the current one (every round reads the state as it
 *       is then, so one catches up with all of them). No trigger while a round runs: no follow-up.
 *   <li>A round that fails (or whose supplier throws) is logged and the loop goes on with the next
 *       trigger; a timeout, if the round needs one, is the round's own ({@code
 *       round().timeout(..)}).
 *   <li>Disposing the handle cancels the running round and stops the loop.
 *   <li>Trigger sources never see backpressure: the loop keeps only the latest trigger, so an
 *       interval or {@code sample()} upstream cannot overflow and end the loop.
 * </ul>
 */
public final class BackgroundLoop {

  private static final Logger LOG = LoggerFactory.getLogger(BackgroundLoop.class);

  private BackgroundLoop() {}

  /** A tick every {@code period}, the first at once. */
  public static Flux<Long> every(Duration period) {
    return Flux.interval(Duration.ZERO, period);
  }

  /**
   * Runs {@code round} on every trigger as described above.
   *
   * @param name what the loop does, for the log
   * @param triggers ticks, wake-ups or change signals (their values are ignored)
   * @param round one round (a {@code Mono} or {@code Flux}; what it emits is ignored)
   * @return the handle that stops the loop
   */
  public static Disposable start(
      String name, Publisher<?> triggers, Supplier<? extends Publisher<?>> round) {
    return rounds(name, triggers, round)
        .subscribe(null, e -> LOG.error("{} stopped: its trigger failed: {}", name, e.toString()));
  }

  /**
   * The loop as a publisher, for tests and for callers that compose it: {@link #start} subscribes
   * to it. It emits nothing and completes when {@code triggers} completes (after the running
   * round).
   */
  public static Flux<Void> rounds(
      String name, Publisher<?> triggers, Supplier<? extends Publisher<?>> round) {
    return Flux.from(triggers)
        .onBackpressureLatest()
        // Prefetch 0: the next trigger is requested only when a round ends, so while one runs
        // onBackpressureLatest holds at most one trigger, which becomes the single follow-up round.
        .concatMap(t -> once(name, round), 0);
  }

  private static Mono<Void> once(String name, Supplier<? extends Publisher<?>> round) {
    return Mono.defer(() -> Flux.from(round.get()).then())
        .onErrorResume(
            e -> {
              LOG.warn("{} failed; the next round retries: {}", name, e.toString());
              return Mono.empty();
            });
  }

  /**
   * Wake-ups for a loop: {@link #wake()} asks for a round now. Never blocks, never fails; a wake-up
   * while no loop listens is lost (the loop's first round runs at start anyway).
   */
  public static final class Wakeup {

    private final Sinks.Many<Boolean> sink = Sinks.many().multicast().directBestEffort();

    /** Asks for a round now. */
    public void wake() {
      sink.tryEmitNext(Boolean.TRUE);
    }

    /** The wake-ups, for {@link BackgroundLoop#start}'s triggers. */
    public Flux<Boolean> signals() {
      return sink.asFlux();
    }
  }
}
