package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Write port: creates CAs and their key generations. Every write appends to the change log. */
public interface CaWriter {

  /** Creates a CA with its first key generation; errors when the id exists. */
  Mono<CaRecord> createCa(CaRecord ca, CaKeyRecord firstKey);

  /** Adds a key generation (key rollover) and makes it current. */
  Mono<CaRecord> addKeyGeneration(CaKeyRecord key);

  /**
   * Adds a key generation without making it current (a prepared rollover, activated later by {@link
   * #activateKeyGeneration}). Errors with {@link StoreException.Conflict} when it exists.
   */
  Mono<CaKeyRecord> addStandbyKeyGeneration(CaKeyRecord key);

  /**
   * Makes an existing key generation the one that signs (idempotent: activating the current one
   * changes nothing). Errors with {@link StoreException.NotFound} when the CA or generation is
   * unknown.
   */
  Mono<CaRecord> activateKeyGeneration(String caId, int generation);
}
