package io.gpki.sync;

import reactor.core.publisher.Mono;

/**
 * Derives the lookup keys of certificates stored before version 4, or with an older key function.
 */
public interface CertificateLookupBackfill {

  /**
   * Indexes the next batch of unindexed certificates with an id above {@code afterId}, in one
   * transaction.
   *
   * @return the highest id indexed, or empty when none is left
   */
  Mono<Long> indexAfter(long afterId, int batch);
}
