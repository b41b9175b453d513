package io.gpki.gateway.repository;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The RFC 4387 search indexes of one snapshot: every (attribute, value) pair maps to its pre-encoded
 * answer (one DER object, or a {@code multipart/mixed} body of several), so a lookup is one hash-map
 * read. Keys whose result set exceeds the configured limit map to their count in {@code tooMany}.
 *
 * @param certificates the certificate store's answers
 * @param crls the CRL store's answers
 * @param tooMany result counts of keys that exceed the result limit
 */
public record LookupIndex(
    Map<String, Published> certificates, Map<String, Published> crls, Map<String, Integer> tooMany) {

  /** An empty index. */
  public static LookupIndex empty() {
    return new LookupIndex(Map.of(), Map.of(), Map.of());
  }

  /** The map key of an attribute and its canonical value. */
  static String key(String attribute, String canonicalValue) {
    return attribute.toLowerCase(Locale.ROOT) + '\u0000' + canonicalValue;
  }

  @Nullable Published certificate(String attribute, String canonicalValue) {
    return certificates.get(key(attribute, canonicalValue));
  }

  @Nullable Published crl(String attribute, String canonicalValue) {
    return crls.get(key(attribute, canonicalValue));
  }

  @Nullable Integer overLimit(String store, String attribute, String canonicalValue) {
    return tooMany.get(store + ':' + key(attribute, canonicalValue));
  }
}
