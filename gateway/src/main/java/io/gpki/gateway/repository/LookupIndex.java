package io.gpki.gateway.repository;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The RFC 4387 search indexes of one snapshot: every (attribute, value) pair maps to its
 * pre-encoded answer (one DER object, or a {@code multipart/mixed} body of several), so a lookup is
 * one hash-map read. Keys whose result set exceeds the configured limit map to their count in
 * {@code tooMany}.
 *
 * <p>The snapshot holds CA and labelled end-entity certificates only. A certificate answer is the
 * whole answer unless its key is in {@code sharedCertificateKeys} (an unlabelled end-entity
 * certificate in the store has it too, e.g. every certificate a CA issued shares its {@code
 * iHash}); shared keys and misses need the store's search ({@link StoreLookup}).
 *
 * @param certificates the certificate store's answers
 * @param crls the CRL store's answers
 * @param tooMany result counts of keys that exceed the result limit
 * @param sharedCertificateKeys certificate keys whose answer here is incomplete
 */
public record LookupIndex(
    Map<String, Published> certificates,
    Map<String, Published> crls,
    Map<String, Integer> tooMany,
    Set<String> sharedCertificateKeys) {

  /** An empty index. */
  public static LookupIndex empty() {
    return new LookupIndex(Map.of(), Map.of(), Map.of(), Set.of());
  }

  /**
   * The certificate answer when it is the whole answer (a hit whose key no certificate outside the
   * snapshot shares), else {@code null}: then only the store can answer.
   */
  public @Nullable Published completeCertificate(String attribute, String canonicalValue) {
    String k = key(attribute, canonicalValue);
    return sharedCertificateKeys.contains(k) ? null : certificates.get(k);
  }

  /** Whether a certificate outside the snapshot has this key too. */
  boolean shared(String attribute, String canonicalValue) {
    return sharedCertificateKeys.contains(key(attribute, canonicalValue));
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
