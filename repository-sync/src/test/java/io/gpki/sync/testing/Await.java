package io.gpki.sync.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The one way tests wait: poll a condition until it holds or the limit passes. */
public final class Await {

  private Await() {}

  /**
   * Waits for {@code condition}; fails with {@code what} after {@code limit}. Test threads only.
   */
  public static void await(String what, BooleanSupplier condition, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit + " waiting for: " + what);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what, e);
      }
    }
  }
}
