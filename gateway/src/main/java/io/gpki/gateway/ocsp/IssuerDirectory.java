package io.gpki.gateway.ocsp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ocsp.CertID;
import org.jspecify.annotations.Nullable;

/**
 * The issuers we answer for, by CertID hashes and by (CA, generation). Immutable; the refresher
 * swaps in a new one when CAs, keys or responder certificates change.
 */
final class IssuerDirectory {

  /** Before the first load: every request gets {@code tryLater}, not {@code unauthorized}. */
  static final IssuerDirectory NOT_LOADED = new IssuerDirectory(List.of(), Set.of(), false);

  private final Map<Issuer.Key, Issuer> byHash = new HashMap<>();
  private final Map<String, Issuer> byGeneration = new HashMap<>();
  private final List<Issuer> issuers;
  private final Set<Issuer.Key> pending;
  private final boolean loaded;

  /**
   * @param issuers the issuers we answer for
   * @param pending keys of issuers we hold but whose responder is not ready (answered {@code
   *     tryLater}, not {@code unauthorized})
   * @param loaded whether this is a real load
   */
  IssuerDirectory(List<Issuer> issuers, Set<Issuer.Key> pending, boolean loaded) {
    this.issuers = List.copyOf(issuers);
    this.pending = Set.copyOf(pending);
    this.loaded = loaded;
    for (Issuer issuer : issuers) {
      for (Issuer.HashAlgorithm hash : Issuer.HASHES) {
        byHash.put(issuer.key(hash), issuer);
      }
      byGeneration.put(generationKey(issuer.caId(), issuer.generation()), issuer);
    }
  }

  /** Whether a real load happened. */
  boolean loaded() {
    return loaded;
  }

  /** Every issuer. */
  List<Issuer> issuers() {
    return issuers;
  }

  /** The issuer a CertID names, or {@code null} when we do not answer for it. */
  @Nullable Issuer find(CertID id) {
    return byHash.get(Issuer.key(id));
  }

  /** The issuer with this lookup key, or {@code null}. */
  @Nullable Issuer find(Issuer.Key key) {
    return byHash.get(key);
  }

  /** Whether a CertID names an issuer we hold whose responder is not ready yet. */
  boolean pending(CertID id) {
    return pending.contains(Issuer.key(id));
  }

  /** The issuer for a CA key generation, or {@code null}. */
  @Nullable Issuer find(String caId, int generation) {
    return byGeneration.get(generationKey(caId, generation));
  }

  private static String generationKey(String caId, int generation) {
    return caId + "#" + generation;
  }
}
