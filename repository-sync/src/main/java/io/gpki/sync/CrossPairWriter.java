package io.gpki.sync;

import reactor.core.publisher.Mono;

/**
 * Write port: cross-certificate pairs. Every write appends to the change log. (Pairs are read as
 * part of {@link RepositoryContentSource#load()}.)
 */
public interface CrossPairWriter {

  /** Creates or replaces the pair with the record's id. */
  Mono<CrossPairRecord> put(CrossPairRecord pair);
}
