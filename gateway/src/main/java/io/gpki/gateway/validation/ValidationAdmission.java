package io.gpki.gateway.validation;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.InterfaceGate;
import io.gpki.gateway.web.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The validation API's admission limit and its workers: one {@link InterfaceGate} (the repository's
 * mechanism) for every variant (JSON, DER, batch, fast path) and the bounded scheduler that runs
 * the engine. A request takes a slot or is shed with {@link InterfaceGate.Busy} at once (or after
 * at most the queue timeout); an admitted request's CPU work runs on a {@code validation-} worker,
 * never on an event loop, so repository reads and OCSP answers on the same loops are not stuck
 * behind a burst of validations.
 *
 * <p>Metrics: {@code gpki.validation.admission} (counter; {@code outcome} = {@code admitted} (its
 * work started) or {@code shed}), {@code gpki.validation.admission.active} and {@code .queued}
 * (gauges).
 */
public final class ValidationAdmission {

  /** The problem detail of a shed request. */
  static final String BUSY_DETAIL =
      "the validation service is at capacity; retry after the Retry-After delay";

  private final InterfaceGate gate;
  private final Scheduler workers;
  private final long maxWaitNanos;
  private final LongSupplier nanos;
  private final Counter admitted;
  private final Counter shed;

  public ValidationAdmission(AdmissionProperties props, Scheduler workers, MeterRegistry registry) {
    this(props, workers, registry, System::nanoTime);
  }

  ValidationAdmission(
      AdmissionProperties props, Scheduler workers, MeterRegistry registry, LongSupplier nanos) {
    this.gate =
        new InterfaceGate("validation", props.concurrent(), props.queue(), props.queueTimeout());
    this.workers = workers;
    this.maxWaitNanos = props.queueTimeout().toNanos();
    this.nanos = nanos;
    this.admitted = counter(registry, "admitted");
    this.shed = counter(registry, "shed");
    Gauge.builder("gpki.validation.admission.active", gate, InterfaceGate::active)
        .description("validations in progress")
        .register(registry);
    Gauge.builder("gpki.validation.admission.queued", gate, InterfaceGate::queued)
        .description("validation requests waiting for a slot")
        .register(registry);
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("gpki.validation.admission")
        .description("validation requests admitted or shed (503) by the admission limit")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Runs {@code work} with a slot: subscribed on a validation worker, the slot returned when it
   * terminates or is cancelled. Fails with {@link InterfaceGate.Busy} when no slot is to be had,
   * and also when a worker gets to it only after the queue timeout: slots are counted, so on a
   * machine much slower than usual (shared, throttled) the work queued behind the slots could
   * otherwise wait far longer than the timeout; this keeps an admitted request's wait bounded in
   * time too (as CoDel bounds a queue's sojourn time rather than its length).
   */
  public <T> Mono<T> admit(Supplier<Mono<T>> work) {
    return Mono.defer(
        () -> {
          long arrived = nanos.getAsLong();
          return gate.acquire()
              .doOnError(InterfaceGate.Busy.class, e -> shed.increment())
              .flatMap(
                  permit ->
                      Mono.defer(() -> start(arrived, work))
                          .subscribeOn(workers)
                          .doFinally(s -> gate.release()));
        });
  }

  private <T> Mono<T> start(long arrived, Supplier<Mono<T>> work) {
    if (nanos.getAsLong() - arrived > maxWaitNanos) {
      shed.increment();
      return Mono.error(new InterfaceGate.Busy("validation: no worker within the queue timeout"));
    }
    admitted.increment();
    return work.get();
  }

  /**
   * Sheds now if the limit is full (counted as shed): the fast path then answers its pre-encoded
   * 503 without copying the body or assembling {@link #admit}. {@code false} does not reserve
   * anything.
   */
  public boolean shedNow() {
    if (gate.full()) {
      shed.increment();
      return true;
    }
    return false;
  }

  /** The validation workers (continuations after a fetch come back here). */
  public Scheduler workers() {
    return workers;
  }

  /** The problem body of a shed request. */
  static byte[] busyBody(String instance) {
    return new Problems.Problem(ErrorType.SERVICE_UNAVAILABLE, 503, BUSY_DETAIL).json(instance);
  }

  /** The gate (tests: saturate it, read its counts). */
  InterfaceGate gate() {
    return gate;
  }
}
