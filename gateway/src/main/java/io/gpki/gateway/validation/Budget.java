package io.gpki.gateway.validation;

/** The shared, decrementing budget of one validation: expansions, candidates and a deadline. */
final class Budget {

  private final long deadlineNanos;
  private int expansions;
  private int candidates;
  private boolean exhausted;

  Budget(Limits limits) {
    this.deadlineNanos = System.nanoTime() + limits.timeBudget().toNanos();
    this.expansions = limits.maxExpansions();
    this.candidates = limits.maxCandidates();
  }

  /** Takes one expansion; {@code false} once the budget is spent. */
  boolean expand() {
    if (--expansions < 0 || System.nanoTime() > deadlineNanos) {
      exhausted = true;
      return false;
    }
    return true;
  }

  /** Takes one candidate path; {@code false} once the budget is spent. */
  boolean candidate() {
    if (--candidates < 0 || System.nanoTime() > deadlineNanos) {
      exhausted = true;
      return false;
    }
    return true;
  }

  /** Whether a limit was hit. */
  boolean exhausted() {
    return exhausted;
  }
}
