package io.gpki.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The background loop's contract, on virtual time: coalescing, errors, disposal. */
class BackgroundLoopTest {

  private static final Duration VERIFY = Duration.ofSeconds(5);

  @AfterEach
  void realTime() {
    VirtualTimeScheduler.reset();
  }

  /** A round that records its start (in virtual seconds) and takes {@code length}. */
  private static Mono<Void> round(List<Long> starts, Duration length) {
    return Mono.defer(
        () -> {
          starts.add(VirtualTimeScheduler.get().now(java.util.concurrent.TimeUnit.SECONDS));
          return Mono.delay(length).then();
        });
  }

  @Test
  void ticksDuringARoundCoalesceIntoExactlyOneFollowUp() {
    List<Long> starts = new CopyOnWriteArrayList<>();
    // A tick every 10 s, a round takes 25 s: the ticks at 10 and 20 s become one round at 25 s, the
    // ticks at 30 and 40 s one at 50 s; none is queued behind another.
    StepVerifier.withVirtualTime(
            () ->
                BackgroundLoop.rounds(
                    "test",
                    BackgroundLoop.every(Duration.ofSeconds(10)),
                    () -> round(starts, Duration.ofSeconds(25))))
        .expectSubscription()
        .thenAwait(Duration.ofSeconds(60))
        .then(() -> assertThat(starts).containsExactly(0L, 25L, 50L))
        .thenCancel()
        .verify(VERIFY);
  }

  @Test
  void wakeUpsDuringARoundGiveOneFollowUpAndNoneWithout() {
    List<Long> starts = new CopyOnWriteArrayList<>();
    BackgroundLoop.Wakeup wake = new BackgroundLoop.Wakeup();
    StepVerifier.withVirtualTime(
            () ->
                BackgroundLoop.rounds(
                    "test", wake.signals(), () -> round(starts, Duration.ofSeconds(10))))
        .expectSubscription()
        .then(wake::wake)
        .thenAwait(Duration.ofSeconds(1))
        .then(
            () -> {
              for (int i = 0; i < 5; i++) {
                wake.wake();
              }
            })
        .thenAwait(Duration.ofSeconds(60))
        // The first round at 0 s, one follow-up for the five wake-ups at 10 s, then idle.
        .then(() -> assertThat(starts).containsExactly(0L, 10L))
        .then(wake::wake)
        .thenAwait(Duration.ofSeconds(60))
        // An idle loop runs a round at the wake-up itself.
        .then(() -> assertThat(starts).containsExactly(0L, 10L, 61L))
        .thenCancel()
        .verify(VERIFY);
  }

  @Test
  void aBurstOfSampledSignalsNeverEndsTheLoop() {
    // sample() emits on its own timer without regard to demand; the loop must absorb it.
    List<Long> starts = new CopyOnWriteArrayList<>();
    Sinks.Many<Boolean> changes = Sinks.many().multicast().directBestEffort();
    StepVerifier.withVirtualTime(
            () ->
                BackgroundLoop.rounds(
                    "test",
                    changes.asFlux().sample(Duration.ofMillis(50)),
                    () -> round(starts, Duration.ofSeconds(1))))
        .expectSubscription()
        .then(
            () ->
                Flux.interval(Duration.ofMillis(10))
                    .take(1000)
                    .subscribe(i -> changes.tryEmitNext(Boolean.TRUE)))
        .thenAwait(Duration.ofSeconds(30))
        // Signals for 10 s, one round a second while they last, then one for the last signals.
        .then(() -> assertThat(starts).hasSizeBetween(10, 12).doesNotHaveDuplicates())
        .thenCancel()
        .verify(VERIFY);
  }

  @Test
  void aFailedRoundIsLoggedAndTheLoopGoesOn() {
    AtomicInteger rounds = new AtomicInteger();
    StepVerifier.withVirtualTime(
            () ->
                BackgroundLoop.rounds(
                    "test",
                    BackgroundLoop.every(Duration.ofSeconds(10)),
                    () -> {
                      int n = rounds.incrementAndGet();
                      if (n == 1) {
                        return Mono.error(new IllegalStateException("store down"));
                      }
                      if (n == 2) {
                        throw new IllegalStateException("supplier throws");
                      }
                      return Flux.just(1, 2, 3);
                    }))
        .expectSubscription()
        .thenAwait(Duration.ofSeconds(35))
        .then(() -> assertThat(rounds).hasValue(4))
        .thenCancel()
        .verify(VERIFY);
  }

  @Test
  void disposingStopsTheLoopAndCancelsTheRunningRound() {
    VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet();
    List<Long> starts = new CopyOnWriteArrayList<>();
    AtomicBoolean cancelled = new AtomicBoolean();
    Disposable loop =
        BackgroundLoop.start(
            "test",
            BackgroundLoop.every(Duration.ofSeconds(10)),
            () -> round(starts, Duration.ofSeconds(5)).doOnCancel(() -> cancelled.set(true)));
    time.advanceTimeBy(Duration.ofSeconds(12));
    assertThat(starts).containsExactly(0L, 10L);
    loop.dispose();
    assertThat(cancelled).isTrue();
    time.advanceTimeBy(Duration.ofSeconds(60));
    assertThat(starts).containsExactly(0L, 10L);
  }

  @Test
  void theLoopEndsWhenItsTriggersEnd() {
    AtomicInteger rounds = new AtomicInteger();
    StepVerifier.create(
            BackgroundLoop.rounds(
                "test", Flux.range(1, 3), () -> Mono.fromRunnable(rounds::incrementAndGet)))
        .expectComplete()
        .verify(VERIFY);
    // Rounds that end before the next trigger coalesce nothing: one round per trigger.
    assertThat(rounds).hasValue(3);
  }
}
