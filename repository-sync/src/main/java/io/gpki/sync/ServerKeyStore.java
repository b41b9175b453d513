package io.gpki.sync;

import reactor.core.publisher.Mono;

/**
 * Server-generated subscriber keys: stored encrypted with their issue request, handed out once. The
 * one-time secret never reaches the store, only its hash.
 */
public interface ServerKeyStore {

  /**
   * Stores a new issue request together with its generated key (encrypted PKCS#12) and the audit
   * record, in one transaction. When the LRA already used the idempotency key, nothing is written
   * and the first entry comes back with {@code repeat = true} (the new key is then discarded).
   */
  Mono<JournalAcceptance> accept(
      JournalEntry entry, GeneratedKey key, byte[] pkcs12, AuditEvent audit);

  /**
   * The generated key of a request (never the PKCS#12), or empty when the request brought a CSR.
   */
  Mono<GeneratedKey> generatedKey(String requestId);

  /**
   * Hands out the encrypted PKCS#12 once: in one transaction it is read, cleared, marked delivered
   * to {@code operatorId} and audited. Errors with {@link StoreException.Conflict} when it was
   * delivered before or is gone (rejected request), {@link StoreException.NotFound} when the
   * request has no generated key.
   */
  Mono<byte[]> deliver(String requestId, String operatorId, AuditEvent audit);
}
