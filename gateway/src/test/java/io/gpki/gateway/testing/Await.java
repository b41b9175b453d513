package io.gpki.gateway.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** The one way tests wait: poll a condition until it holds, failing after a timeout. */
public final class Await {

  private static final Duration POLL = Duration.ofMillis(100);

  private Await() {}

  /**
   * Returns once {@code condition} holds; throws {@link AssertionError} naming {@code what} when it
   * still does not after {@code timeout}.
   */
  public static void await(String what, BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }
}
