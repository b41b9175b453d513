package io.gpki.sync.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The one way tests wait, in every module: poll a condition until it holds, failing with a message
 * that names what was awaited (and the last value or error seen) after a limit. Test threads only.
 */
public final class Await {

  private static final long POLL_NANOS = Duration.ofMillis(25).toNanos();
  private static final long MAX_POLL_NANOS = Duration.ofMillis(100).toNanos();

  private Await() {}

  /** Waits for {@code condition}; fails with {@code what} after {@code limit}. */
  public static void await(String what, BooleanSupplier condition, Duration limit) {
    until(what, condition::getAsBoolean, Boolean::booleanValue, limit);
  }

  /**
   * Calls {@code probe} until its value passes {@code done} and returns that value. A probe that
   * throws counts as "not yet" (a server still starting, a connection refused); after {@code limit}
   * the {@link AssertionError} names {@code what} and carries the last value or error.
   */
  public static <T> T until(
      String what, Callable<T> probe, Predicate<? super T> done, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    long pause = POLL_NANOS;
    @Nullable Object last = null;
    @Nullable Exception lastError = null;
    while (true) {
      try {
        T value = probe.call();
        if (done.test(value)) {
          return value;
        }
        last = value;
        lastError = null;
      } catch (Exception e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError failure =
            new AssertionError(
                "timed out after "
                    + limit
                    + " waiting for: "
                    + what
                    + (lastError == null ? "; last value: " + last : "; last error: " + lastError));
        if (lastError != null) {
          failure.initCause(lastError);
        }
        throw failure;
      }
      pause(pause, what);
      pause = Math.min(pause * 2, MAX_POLL_NANOS);
    }
  }

  /** Waits a fixed time on purpose (a pause in a fault scenario, never to "let things settle"). */
  public static void pause(Duration time) {
    pause(time.toNanos(), "a pause of " + time);
  }

  private static void pause(long nanos, String what) {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for: " + what, e);
    }
  }
}
