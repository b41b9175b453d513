package io.gpki.gateway.validation;

import java.time.Duration;

/**
 * Bounds of path discovery.
 *
 * @param maxDepth most certificates on a path, trust anchor included
 * @param maxCandidates most complete candidate paths validated per target
 * @param maxExpansions most issuer candidates examined per target
 * @param timeBudget wall-clock budget of one discovery
 * @param maxCrlIssuerDepth how deep CRL-issuer paths may nest (a CRL signer whose CRL has a
 *     signer...)
 */
public record Limits(
    int maxDepth,
    int maxCandidates,
    int maxExpansions,
    Duration timeBudget,
    int maxCrlIssuerDepth) {

  /** Defaults sized for bridge PKIs with dozens of cross-certified CAs. */
  public static Limits defaults() {
    return new Limits(10, 32, 5_000, Duration.ofSeconds(2), 3);
  }
}
