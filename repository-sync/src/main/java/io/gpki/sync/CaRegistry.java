package io.gpki.sync;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** CA records and their key generations. Every write appends to the change log. */
public interface CaRegistry {

  /** Creates a CA with its first key generation; errors when the id exists. */
  Mono<CaRecord> createCa(CaRecord ca, CaKeyRecord firstKey);

  /** Adds a key generation (key rollover) and makes it current. */
  Mono<CaRecord> addKeyGeneration(CaKeyRecord key);

  /** Every CA, ordered by id. */
  Flux<CaRecord> cas();

  /** One CA, or empty. */
  Mono<CaRecord> ca(String id);

  /** The key generations of a CA, oldest first. */
  Flux<CaKeyRecord> keys(String caId);
}
