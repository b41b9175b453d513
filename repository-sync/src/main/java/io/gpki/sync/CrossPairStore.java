package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Cross-certificate pairs. Every write appends to the change log. */
public interface CrossPairStore {

  /** Creates or replaces the pair with the record's id. */
  Mono<CrossPairRecord> put(CrossPairRecord pair);
}
