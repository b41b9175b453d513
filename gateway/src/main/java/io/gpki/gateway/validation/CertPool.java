package io.gpki.gateway.validation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Untrusted certificates path discovery may use, indexed by subject and issuer name. A pool may sit
 * on top of a shared base pool (the repository's), so a request adds its own intermediates without
 * copying or changing the base. Safe for concurrent reads once built.
 */
public final class CertPool {

  private final @Nullable CertPool base;
  private volatile boolean shared;
  private final Map<String, List<Cert>> bySubject = new HashMap<>();
  private final Map<String, List<Cert>> byIssuer = new HashMap<>();
  private final Map<String, Cert> bySha = new LinkedHashMap<>();
  private final ConcurrentHashMap<String, Map<String, Integer>> distances =
      new ConcurrentHashMap<>();

  /** An empty pool over {@code base} (may be {@code null}). */
  public CertPool(@Nullable CertPool base) {
    this.base = base;
  }

  /** A pool holding {@code certs}, frozen: shared between requests, {@link #add} refuses. */
  public static CertPool of(Collection<Cert> certs) {
    CertPool p = new CertPool(null);
    certs.forEach(p::add);
    p.shared = true;
    return p;
  }

  /** Whether this pool is frozen and shared. */
  boolean isShared() {
    return shared;
  }

  /** Adds a certificate unless it is already there (here or in the base). Not for shared pools. */
  public synchronized CertPool add(Cert c) {
    if (shared) {
      throw new IllegalStateException("a shared pool is immutable; add to an overlay");
    }
    if (contains(c.sha256())) {
      return this;
    }
    bySha.put(c.sha256(), c);
    bySubject.computeIfAbsent(c.subjectKey(), k -> new ArrayList<>()).add(c);
    byIssuer.computeIfAbsent(c.issuerKey(), k -> new ArrayList<>()).add(c);
    distances.clear();
    return this;
  }

  boolean contains(String sha256) {
    return bySha.containsKey(sha256) || (base != null && base.contains(sha256));
  }

  /** Certificates whose subject is the canonical name {@code subjectKey}. */
  List<Cert> withSubject(String subjectKey) {
    List<Cert> own = bySubject.getOrDefault(subjectKey, List.of());
    if (base == null) {
      return own;
    }
    List<Cert> all = new ArrayList<>(base.withSubject(subjectKey));
    all.addAll(own);
    return all;
  }

  private List<Cert> withIssuer(String issuerKey) {
    List<Cert> own = byIssuer.getOrDefault(issuerKey, List.of());
    if (base == null) {
      return own;
    }
    List<Cert> all = new ArrayList<>(base.withIssuer(issuerKey));
    all.addAll(own);
    return all;
  }

  /** Every certificate (base first). */
  public List<Cert> all() {
    List<Cert> all = base == null ? new ArrayList<>() : new ArrayList<>(base.all());
    all.addAll(bySha.values());
    return all;
  }

  /**
   * Hop counts from the anchor's name to every subject name reachable through issuer/subject name
   * links (a breadth-first search; keys are ignored, so it over-approximates reachability, which is
   * what a pruning heuristic needs). Cached per anchor.
   */
  Map<String, Integer> distancesFrom(String anchorSubjectKey) {
    return distances.computeIfAbsent(
        anchorSubjectKey,
        a -> {
          Map<String, Integer> d = new HashMap<>();
          ArrayDeque<String> queue = new ArrayDeque<>();
          d.put(a, 0);
          queue.add(a);
          while (!queue.isEmpty()) {
            String name = queue.poll();
            int next = d.getOrDefault(name, 0) + 1;
            for (Cert c : withIssuer(name)) {
              if (!d.containsKey(c.subjectKey())) {
                d.put(c.subjectKey(), next);
                queue.add(c.subjectKey());
              }
            }
          }
          return Map.copyOf(d);
        });
  }
}
