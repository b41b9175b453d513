package io.gpki.sync;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Read port: CA records and their key generations. */
public interface CaLookup {

  /** Every CA, ordered by id. */
  Flux<CaRecord> cas();

  /** One CA, or empty. */
  Mono<CaRecord> ca(String id);

  /** The key generations of a CA, oldest first. */
  Flux<CaKeyRecord> keys(String caId);
}
