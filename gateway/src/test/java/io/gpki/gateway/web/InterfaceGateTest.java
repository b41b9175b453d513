package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The admission gate: limits, queue order, and not one permit lost to a timeout or a cancel. */
class InterfaceGateTest {

  @Test
  void permitsGoToWaitersInOrderAndTheQueueIsBounded() {
    InterfaceGate gate = new InterfaceGate("t", 1, 2, Duration.ofSeconds(30));
    StepVerifier.create(gate.acquire())
        .expectNext(true)
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    AtomicInteger order = new AtomicInteger();
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    gate.acquire().subscribe(p -> first.set(order.incrementAndGet()));
    gate.acquire().subscribe(p -> second.set(order.incrementAndGet()));
    assertThat(gate.queued()).isEqualTo(2);
    assertThat(gate.full()).isTrue();
    StepVerifier.create(gate.acquire())
        .expectError(InterfaceGate.Busy.class)
        .verify(Duration.ofSeconds(5));
    gate.release();
    gate.release();
    assertThat(first.get()).isEqualTo(1);
    assertThat(second.get()).isEqualTo(2);
    gate.release();
    assertThat(gate.active()).isZero();
  }

  @Test
  void aWaiterPastItsQueueTimeoutIsRefusedAndLeavesTheQueue() {
    InterfaceGate gate = new InterfaceGate("t", 1, 4, Duration.ofMillis(50));
    gate.acquire().block(Duration.ofSeconds(5));
    StepVerifier.create(gate.acquire())
        .expectError(InterfaceGate.Busy.class)
        .verify(Duration.ofSeconds(5));
    assertThat(gate.queued()).isZero();
    gate.release();
    assertThat(gate.active()).isZero();
  }

  /**
   * Many requests through a small gate, with queue timeouts and subscribers that leave at random
   * moments (a client that disconnects, a timeout further down): when the dust settles every permit
   * is back. A permit handed to a waiter in the same instant its wait ended used to be lost.
   */
  @Test
  void racingTimeoutsAndCancelsLoseNoPermit() {
    InterfaceGate gate = new InterfaceGate("t", 2, 64, Duration.ofNanos(200_000));
    AtomicInteger admitted = new AtomicInteger();
    Flux.range(0, 20_000)
        .flatMap(
            i ->
                gate.acquire()
                    .flatMap(
                        p ->
                            Mono.fromRunnable(admitted::incrementAndGet)
                                .subscribeOn(Schedulers.parallel())
                                .doFinally(s -> gate.release()))
                    .then()
                    .timeout(Duration.ofNanos(100_000L * (i % 4)), Mono.empty())
                    .onErrorResume(InterfaceGate.Busy.class, e -> Mono.empty()),
            256)
        .blockLast(Duration.ofSeconds(120));
    assertThat(admitted.get()).isPositive();
    io.gpki.sync.testing.Await.await(
        "every permit back",
        () -> gate.active() == 0 && gate.queued() == 0,
        Duration.ofSeconds(10));
  }
}
