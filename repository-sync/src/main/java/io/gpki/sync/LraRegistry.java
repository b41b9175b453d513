package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Registered LRAs and operators. Every change is audited in the same transaction. */
public interface LraRegistry {

  /** Registers an LRA (errors with {@link StoreException.Conflict} when the id exists). */
  Mono<LraRecord> registerLra(LraRecord lra, AuditEvent audit);

  /** Registers an operator (errors with {@link StoreException.Conflict} on a duplicate). */
  Mono<OperatorRecord> registerOperator(OperatorRecord operator, AuditEvent audit);

  /** One LRA, or empty. */
  Mono<LraRecord> lra(String id);

  /** The operator holding the certificate with this SHA-256, or empty. */
  Mono<OperatorRecord> operatorByCertificate(byte[] certSha256);

  /** One operator, or empty. */
  Mono<OperatorRecord> operator(String id);
}
