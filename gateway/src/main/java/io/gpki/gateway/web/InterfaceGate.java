package io.gpki.gateway.web;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Admission for one interface without blocking: at most {@code maxConcurrent} permits out, at most
 * {@code maxQueue} requests waiting (each at most {@code queueTimeout}); beyond that {@link
 * #acquire} fails at once with {@link Busy}. A released permit passes straight to the oldest
 * waiter. The lock guards a few field updates only (never held across I/O or waits). The one
 * admission mechanism of the HTTP interfaces: the repository's lookup interfaces and the validation
 * API each hold their own.
 */
public final class InterfaceGate {

  /** The gate is full (or a waiter's {@code queueTimeout} passed): answer 503 with Retry-After. */
  public static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Busy(String message) {
      super(message, null, false, false);
    }
  }

  private static final class Waiter {
    final MonoSink<Boolean> sink;
    final AtomicBoolean settled = new AtomicBoolean();

    Waiter(MonoSink<Boolean> sink) {
      this.sink = sink;
    }
  }

  private final String name;
  private final int maxConcurrent;
  private final int maxQueue;
  private final Duration queueTimeout;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int active;

  /**
   * @param name the interface, in {@link Busy} messages
   * @param maxConcurrent permits out at most
   * @param maxQueue requests waiting at most (0: none wait)
   * @param queueTimeout longest wait of one request
   */
  public InterfaceGate(String name, int maxConcurrent, int maxQueue, Duration queueTimeout) {
    this.name = name;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.queueTimeout = queueTimeout;
  }

  /** Completes when the caller holds a permit; the caller must {@link #release} it exactly once. */
  public Mono<Boolean> acquire() {
    synchronized (this) {
      if (active < maxConcurrent) {
        active++;
        return Mono.just(Boolean.TRUE);
      }
      if (waiting.size() >= maxQueue) {
        return Mono.error(
            new Busy(name + ": " + active + " in progress and " + waiting.size() + " waiting"));
      }
    }
    return Mono.<Boolean>create(
            sink -> {
              Waiter w = new Waiter(sink);
              boolean granted = false;
              synchronized (this) {
                if (active < maxConcurrent) {
                  active++;
                  granted = true;
                } else if (waiting.size() >= maxQueue) {
                  w.settled.set(true);
                } else {
                  waiting.add(w);
                }
              }
              if (granted) {
                sink.success(Boolean.TRUE);
              } else if (w.settled.get()) {
                sink.error(new Busy(name + ": queue full"));
              } else {
                sink.onCancel(() -> abandon(w));
              }
            })
        .timeout(
            queueTimeout, Mono.error(() -> new Busy(name + ": no slot within " + queueTimeout)));
  }

  private void abandon(Waiter w) {
    if (w.settled.compareAndSet(false, true)) {
      synchronized (this) {
        waiting.remove(w);
      }
    }
  }

  /** Returns a permit, handing it to the oldest live waiter if there is one. */
  public void release() {
    while (true) {
      Waiter next;
      synchronized (this) {
        next = waiting.poll();
        if (next == null) {
          active--;
          return;
        }
      }
      if (next.settled.compareAndSet(false, true)) {
        next.sink.success(Boolean.TRUE);
        return;
      }
    }
  }

  /** Permits out now (tests, metrics). */
  public synchronized int active() {
    return active;
  }

  /**
   * Whether {@link #acquire} would fail at once now (every permit out, the queue full): a cheap
   * check for callers that can answer a shed request without building the reactive chain.
   */
  public synchronized boolean full() {
    return active >= maxConcurrent && waiting.size() >= maxQueue;
  }

  /** Requests waiting now. */
  public synchronized int queued() {
    return waiting.size();
  }
}
