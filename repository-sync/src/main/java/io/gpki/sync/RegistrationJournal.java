package io.gpki.sync;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The durable journal of registration requests. Each state change commits together with its audit
 * record, so the audit log holds every request and every result.
 */
public interface RegistrationJournal {

  /**
   * Stores a new request unless its LRA already used the idempotency key; then the first entry is
   * returned with {@code repeat = true} and nothing is written.
   */
  Mono<JournalAcceptance> accept(JournalEntry entry, AuditEvent audit);

  /** One request, or empty. */
  Mono<JournalEntry> find(String id);

  /** The request an LRA stored under an idempotency key, or empty. */
  Mono<JournalEntry> findByKey(String lraId, String idempotencyKey);

  /** Requests still to process, revocations first, then in acceptance order. */
  Flux<JournalEntry> pending(int limit);

  /**
   * Reserves a serial for an issue request before it is signed. When a serial was reserved before
   * (an earlier attempt crashed), that one is returned instead, so a retry signs the same serial.
   * The audit record (the one before the signature) commits with the reservation.
   */
  Mono<String> reserveSerial(String id, String serialHex, AuditEvent audit);

  /**
   * The SubjectPublicKeyInfo DER of the key the gateway generated for an issue request (stored at
   * acceptance), or empty when the request brought a CSR.
   */
  Mono<byte[]> generatedPublicKey(String requestId);

  /** Marks a request done with the serial it issued or revoked (no-op when already final). */
  default Mono<JournalEntry> complete(String id, String resultSerial, AuditEvent audit) {
    return complete(id, resultSerial, audit, List.of());
  }

  /**
   * Marks a request done and stores its notifications ({@link NotificationOutbox#enqueue} rules) in
   * the same transaction; nothing is written when the request is already final.
   */
  Mono<JournalEntry> complete(
      String id, String resultSerial, AuditEvent audit, List<OutboxEvent> notices);

  /** Marks a request rejected with a reason (no-op when already final). */
  default Mono<JournalEntry> reject(String id, String error, AuditEvent audit) {
    return reject(id, error, audit, List.of());
  }

  /** Marks a request rejected and stores its notifications in the same transaction. */
  Mono<JournalEntry> reject(String id, String error, AuditEvent audit, List<OutboxEvent> notices);

  /**
   * Completed requests of an LRA after a cursor, in commit order (the notification feed). The
   * cursor is the last event's {@code seq}; 0 starts from the beginning.
   */
  Flux<RegistrationFeedEvent> feed(String lraId, long afterSeq, int limit);

  /** Unrevoked certificates issued for an LRA that expire in {@code (from, until]}. */
  Flux<RegistrationCertificateRef> expiring(String lraId, Instant from, Instant until);

  /** The CAs with revocations completed since {@code since} (to reissue lists after a restart). */
  Flux<String> casWithRevocationsSince(Instant since);

  /**
   * Unrevoked certificates (issuer CA id and serial) whose public key hashes to {@code spkiSha256}.
   */
  Flux<RegistrationCertificateRef> activeWithKey(byte[] spkiSha256);

  /** Unrevoked, unexpired certificates of the CA with exactly this subject name. */
  Flux<RegistrationCertificateRef> activeWithSubject(String caId, byte[] subjectDer, Instant at);

  /**
   * Unrevoked, unexpired certificates a CA issued (excluding its own self-signed and link
   * certificates), optionally only those signed by one key generation: the scope of an emergency
   * revocation.
   */
  Flux<RegistrationCertificateRef> revocableOf(
      String caId, @Nullable Integer keyGenerationOrNull, Instant at);
}
