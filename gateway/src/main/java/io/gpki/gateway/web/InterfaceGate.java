package io.gpki.gateway.web;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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

  /**
   * A request waiting for a permit. Its state moves once, from {@link #WAITING} to {@link #GRANTED}
   * (a released permit handed over) or to {@link #GONE} (its queue timeout passed or its subscriber
   * left): whichever comes first owns the outcome, so a permit is never handed to a request that
   * has already been answered 503, and never lost.
   */
  private static final class Waiter {
    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int GONE = 2;

    final MonoSink<Boolean> sink;
    final AtomicInteger state = new AtomicInteger(WAITING);

    Waiter(MonoSink<Boolean> sink) {
      this.sink = sink;
    }
  }

  private final String name;
  private final int maxConcurrent;
  private final int maxQueue;
  private final Duration queueTimeout;
  private final Scheduler timer;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int active;

  /**
   * @param name the interface, in {@link Busy} messages
   * @param maxConcurrent permits out at most
   * @param maxQueue requests waiting at most (0: none wait)
   * @param queueTimeout longest wait of one request
   */
  public InterfaceGate(String name, int maxConcurrent, int maxQueue, Duration queueTimeout) {
    this(name, maxConcurrent, maxQueue, queueTimeout, Schedulers.parallel());
  }

  InterfaceGate(
      String name, int maxConcurrent, int maxQueue, Duration queueTimeout, Scheduler timer) {
    this.name = name;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.queueTimeout = queueTimeout;
    this.timer = timer;
  }

  /**
   * Completes when the caller holds a permit; the caller must {@link #release} it exactly once. The
   * permit is taken when the returned {@link Mono} is subscribed, not when this is called, and a
   * subscriber that leaves before the permit reached it gives it back.
   */
  public Mono<Boolean> acquire() {
    synchronized (this) {
      if (active >= maxConcurrent && waiting.size() >= maxQueue) {
        return Mono.error(
            new Busy(name + ": " + active + " in progress and " + waiting.size() + " waiting"));
      }
    }
    return Mono.create(
        sink -> {
          Waiter w = new Waiter(sink);
          // Runs only if the subscriber leaves before a value reached it (Reactor drops a value
          // that
          // comes after the cancel): a permit granted meanwhile goes back.
          sink.onCancel(() -> leave(w));
          boolean granted = false;
          boolean full = false;
          synchronized (this) {
            // A subscriber that left during subscription has already moved the state to GONE.
            if (active < maxConcurrent) {
              if (w.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
                active++;
                granted = true;
              }
            } else if (waiting.size() >= maxQueue) {
              full = w.state.compareAndSet(Waiter.WAITING, Waiter.GONE);
            } else if (w.state.get() == Waiter.WAITING) {
              waiting.add(w);
            }
          }
          if (granted) {
            sink.success(Boolean.TRUE);
            return;
          }
          if (full) {
            sink.error(new Busy(name + ": queue full"));
            return;
          }
          Disposable timeout =
              timer.schedule(() -> timedOut(w), queueTimeout.toNanos(), TimeUnit.NANOSECONDS);
          sink.onDispose(timeout);
        });
  }

  private void timedOut(Waiter w) {
    if (w.state.compareAndSet(Waiter.WAITING, Waiter.GONE)) {
      synchronized (this) {
        waiting.remove(w);
      }
      w.sink.error(new Busy(name + ": no slot within " + queueTimeout));
    }
  }

  private void leave(Waiter w) {
    if (w.state.compareAndSet(Waiter.WAITING, Waiter.GONE)) {
      synchronized (this) {
        waiting.remove(w);
      }
    } else if (w.state.get() == Waiter.GRANTED) {
      release(); // handed over, but the subscriber had left: its value is dropped
    }
  }

  /** Returns a permit, handing it to the oldest waiter still waiting if there is one. */
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
      if (next.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
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
