package io.gpki.gateway.config;

import io.gpki.sync.EmbeddedDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Restarts the embedded PostgreSQL when it dies while the gateway runs (killed, out of memory).
 * Every {@link #INTERVAL} it asks the server whether it runs ({@code pg_ctl status}) and starts it
 * again if not; a failed start is retried after a backoff that doubles from {@link #INTERVAL} up to
 * {@link #MAX_BACKOFF}. Blocking work, so it runs on its own one-thread bounded scheduler, never on
 * an event loop. Counted in {@code gpki.db.embedded.restarts{outcome=restarted|failed}}. Not used
 * with an external database, which has its own supervision.
 */
final class EmbeddedDatabaseWatchdog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabaseWatchdog.class);

  static final Duration INTERVAL = Duration.ofSeconds(5);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final EmbeddedDatabase database;
  private final LongSupplier nanoTime;
  private final Counter restarted;
  private final Counter failed;
  private int failures;
  private long nextAttempt;
  private @Nullable Scheduler scheduler;
  private @Nullable Disposable task;

  EmbeddedDatabaseWatchdog(EmbeddedDatabase database, MeterRegistry meters, LongSupplier nanoTime) {
    this.database = database;
    this.nanoTime = nanoTime;
    this.restarted =
        Counter.builder("gpki.db.embedded.restarts")
            .tag("outcome", "restarted")
            .description("embedded PostgreSQL restarts by the gateway")
            .register(meters);
    this.failed =
        Counter.builder("gpki.db.embedded.restarts")
            .tag("outcome", "failed")
            .description("embedded PostgreSQL restarts by the gateway")
            .register(meters);
    this.nextAttempt = nanoTime.getAsLong();
  }

  /** Starts checking every {@link #INTERVAL}. */
  synchronized EmbeddedDatabaseWatchdog start() {
    Scheduler s = Schedulers.newBoundedElastic(1, 1, "embedded-db-watchdog", 60, true);
    scheduler = s;
    task =
        s.schedulePeriodically(
            this::check, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** One check; restarts the server if it is down and the backoff allows. Blocking. */
  synchronized void check() {
    long now = nanoTime.getAsLong();
    if (now - nextAttempt < 0) {
      return;
    }
    try {
      if (database.ensureRunning()) {
        restarted.increment();
        LOG.warn(
            "embedded PostgreSQL had stopped; the gateway started it again (after {} failed attempts)",
            failures);
      }
      failures = 0;
      nextAttempt = now;
    } catch (RuntimeException e) {
      failures++;
      failed.increment();
      Duration backoff = backoff(failures);
      nextAttempt = now + backoff.toNanos();
      LOG.error(
          "embedded PostgreSQL is down and could not be started again (attempt {}); next try in {}",
          failures,
          backoff,
          e);
    }
  }

  /**
   * The wait after {@code failures} failed starts in a row: the interval, doubled per failure,
   * capped.
   */
  static Duration backoff(int failures) {
    long factor = 1L << Math.min(failures - 1, 16);
    Duration d = INTERVAL.multipliedBy(factor);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  @Override
  public synchronized void close() {
    if (task != null) {
      task.dispose();
    }
    if (scheduler != null) {
      scheduler.dispose();
    }
  }
}
