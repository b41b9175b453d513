package io.gpki.gateway.validation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** CRLs available to one validation, by issuer name; may sit on a shared base set. */
public final class CrlSet {

  private final @Nullable CrlSet base;
  private final Map<String, List<CrlInfo>> byIssuer = new HashMap<>();

  /** An empty set over {@code base} (may be {@code null}). */
  public CrlSet(@Nullable CrlSet base) {
    this.base = base;
  }

  /** A set holding {@code crls}. */
  public static CrlSet of(Collection<CrlInfo> crls) {
    CrlSet s = new CrlSet(null);
    crls.forEach(s::add);
    return s;
  }

  /** Adds a CRL (not for shared sets). */
  public synchronized CrlSet add(CrlInfo crl) {
    List<CrlInfo> list = byIssuer.computeIfAbsent(crl.issuerKey(), k -> new ArrayList<>());
    String id = crl.id();
    if (list.stream().noneMatch(c -> c.id().equals(id))) {
      list.add(crl);
    }
    return this;
  }

  /** CRLs issued by the canonical name {@code issuerKey}. */
  List<CrlInfo> issuedBy(String issuerKey) {
    List<CrlInfo> own = byIssuer.getOrDefault(issuerKey, List.of());
    if (base == null) {
      return own;
    }
    List<CrlInfo> all = new ArrayList<>(base.issuedBy(issuerKey));
    all.addAll(own);
    return all;
  }

  /** Every CRL. */
  public List<CrlInfo> all() {
    List<CrlInfo> all = base == null ? new ArrayList<>() : new ArrayList<>(base.all());
    byIssuer.values().forEach(all::addAll);
    return all;
  }
}
