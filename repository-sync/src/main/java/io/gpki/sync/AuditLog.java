package io.gpki.sync;

import reactor.core.publisher.Mono;

/** The append-only, hash-chained audit log. */
public interface AuditLog {

  /** Appends one record in its own transaction. */
  Mono<AuditRecord> append(AuditEvent event);

  /** The newest record, or empty when the log is empty. */
  Mono<AuditRecord> head();

  /** The newest record of a type, or empty. */
  Mono<AuditRecord> lastOfType(String type);

  /** The newest seal, or empty. */
  Mono<AuditSeal> latestSeal();

  /** Stores a seal. */
  Mono<AuditSeal> seal(AuditSeal seal);
}
