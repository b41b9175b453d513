package io.gpki.signer;

import java.util.List;

/**
 * Health of the signer: one entry per key source.
 *
 * @param sources every configured key source with its state
 */
public record SignerHealth(List<SourceHealth> sources) {

  /** True when every key source is up. */
  public boolean allUp() {
    return sources.stream().allMatch(SourceHealth::up);
  }

  /**
   * Health of one key source.
   *
   * @param name the key source's configured name
   * @param type {@code pkcs12} or {@code pkcs11}
   * @param up whether a probe succeeded
   * @param circuitState the circuit breaker's state (CLOSED, OPEN, HALF_OPEN)
   * @param detail a short human-readable reason when down; never secret material
   */
  public record SourceHealth(
      String name, String type, boolean up, String circuitState, String detail) {}
}
