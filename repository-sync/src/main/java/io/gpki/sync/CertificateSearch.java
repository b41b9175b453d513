package io.gpki.sync;

import reactor.core.publisher.Flux;

/** RFC 4387 certificate search over every stored certificate, by its lookup keys. */
public interface CertificateSearch {

  /**
   * The certificates with the key (attribute, value), oldest first.
   *
   * @param attribute lower-case attribute name as in {@link CertificateLookupKey}
   * @param value the canonical value
   * @param limit at most this many; ask for one more than you answer to detect "too many"
   */
  Flux<CertificateRecord> find(String attribute, String value, int limit);
}
