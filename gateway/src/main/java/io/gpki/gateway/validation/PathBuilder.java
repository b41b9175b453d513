package io.gpki.gateway.validation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Depth-first discovery of certification paths from a target up to a trust anchor over the
 * certificate graph of a {@link CertPool}. Nodes are (subject, key) pairs and a path never visits
 * one twice, so cycles (bridge and CA certifying each other) cannot loop. Issuer candidates are
 * tried in order: signature verifies, key identifier matches, fewest hops left to the anchor's
 * name. Subject names the anchor cannot reach are pruned, and a {@link Budget} bounds the work.
 */
final class PathBuilder {

  private final CertPool pool;
  private final Cert anchor;
  private final int maxDepth;
  private final Budget budget;
  private final Map<String, Integer> distance;

  PathBuilder(CertPool pool, Cert anchor, int maxDepth, Budget budget) {
    this.pool = pool;
    this.anchor = anchor;
    this.maxDepth = maxDepth;
    this.budget = budget;
    this.distance = pool.distancesFrom(anchor.subjectKey());
  }

  /**
   * Offers candidate paths (anchor first, target last) to {@code consumer}, best first, until it
   * returns {@code true} or the candidates or the budget run out.
   *
   * @return whether the consumer accepted a path
   */
  boolean search(Cert target, Predicate<List<Cert>> consumer) {
    if (target.equals(anchor) || (target.nodeId().equals(anchor.nodeId()) && target.selfIssued())) {
      return consumer.test(List.of(anchor));
    }
    List<Cert> upward = new ArrayList<>();
    upward.add(target);
    Set<String> visited = new HashSet<>();
    visited.add(target.nodeId());
    visited.add(anchor.nodeId());
    return dfs(upward, visited, consumer);
  }

  private boolean dfs(List<Cert> upward, Set<String> visited, Predicate<List<Cert>> consumer) {
    Cert current = upward.get(upward.size() - 1);
    if (current.issuerKey().equals(anchor.subjectKey()) && issuedBy(current, anchor)) {
      if (!budget.candidate()) {
        return false;
      }
      List<Cert> path = new ArrayList<>(upward.size() + 1);
      path.add(anchor);
      for (int i = upward.size() - 1; i >= 0; i--) {
        path.add(upward.get(i));
      }
      if (consumer.test(List.copyOf(path))) {
        return true;
      }
    }
    if (upward.size() + 1 >= maxDepth) {
      return false;
    }
    for (Cert issuer : candidates(current, upward.size(), visited)) {
      if (!budget.expand()) {
        return false;
      }
      visited.add(issuer.nodeId());
      upward.add(issuer);
      boolean done = dfs(upward, visited, consumer);
      upward.remove(upward.size() - 1);
      visited.remove(issuer.nodeId());
      if (done || budget.exhausted()) {
        return done;
      }
    }
    return false;
  }

  private List<Cert> candidates(Cert current, int depth, Set<String> visited) {
    List<Cert> possible = new ArrayList<>();
    for (Cert c : pool.withSubject(current.issuerKey())) {
      // A self-signed certificate can only end a path at its own node, which is already visited.
      if (visited.contains(c.nodeId()) || c.equals(current) || c.selfSigned()) {
        continue;
      }
      Integer hops = distance.get(c.issuerKey());
      if (hops != null && depth + 2 + hops <= maxDepth) {
        possible.add(c);
      }
    }
    if (possible.size() <= 1) {
      return possible;
    }
    List<Ranked> ranked = new ArrayList<>();
    for (Cert c : possible) {
      boolean signs =
          c.publicKey() != null && Signatures.verifies(current, c.publicKey(), c.spkiHash());
      boolean aki = current.akiMatches(c.ski());
      ranked.add(
          new Ranked(
              c,
              signs ? 0 : 1,
              aki ? 0 : 1,
              distance.getOrDefault(c.issuerKey(), Integer.MAX_VALUE)));
    }
    ranked.sort(
        Comparator.comparingInt(Ranked::signs)
            .thenComparingInt(Ranked::aki)
            .thenComparingInt(Ranked::hops));
    return ranked.stream().map(Ranked::cert).toList();
  }

  private record Ranked(Cert cert, int signs, int aki, int hops) {}

  /** Whether {@code cert} names {@code issuer} as its issuer closely enough to try the edge. */
  private static boolean issuedBy(Cert cert, Cert issuer) {
    byte[] aki = cert.akiKeyId();
    byte[] ski = issuer.ski();
    if (aki != null && ski != null && !java.util.Arrays.equals(aki, ski)) {
      // Key identifiers disagree; still an edge if the signature says so (identifiers can be
      // wrong).
      return issuer.publicKey() != null
          && Signatures.verifies(cert, issuer.publicKey(), issuer.spkiHash());
    }
    return true;
  }
}
