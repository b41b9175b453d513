package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One registration request in the durable journal.
 *
 * @param id request id (handed to the LRA in 202 Accepted)
 * @param seq acceptance order
 * @param lraId the LRA (or {@code _emergency} for approved emergency revocations)
 * @param operatorId the operator who signed it
 * @param idempotencyKey the client's Idempotency-Key
 * @param kind issue or revoke
 * @param caId the CA that acts on it
 * @param requestJson the validated request
 * @param requestSha256 SHA-256 of the signed content, to tell a repeat from a different request
 * @param evidence the signed request as received, or {@code null} (emergency revocations: the
 *     approval holds the evidence)
 * @param state where it is
 * @param reservedSerial the serial reserved before signing (issue), or {@code null}
 * @param resultSerial the serial issued or revoked, once done
 * @param error why it was rejected, once rejected
 * @param acceptedAt when it was committed
 * @param completedAt when it completed, or {@code null}
 */
public record JournalEntry(
    String id,
    long seq,
    String lraId,
    String operatorId,
    String idempotencyKey,
    Kind kind,
    String caId,
    String requestJson,
    byte[] requestSha256,
    byte @Nullable [] evidence,
    State state,
    @Nullable String reservedSerial,
    @Nullable String resultSerial,
    @Nullable String error,
    Instant acceptedAt,
    @Nullable Instant completedAt) {

  /** What the request asks for. */
  public enum Kind {
    ISSUE,
    REVOKE;

    /** Revocations are taken before issuance. */
    public int priority() {
      return this == REVOKE ? 0 : 1;
    }
  }

  /** Processing state. ACCEPTED is durable; DONE and REJECTED are final. */
  public enum State {
    ACCEPTED,
    DONE,
    REJECTED
  }

  /** A new, not yet stored entry (seq 0, ACCEPTED). */
  public static JournalEntry accepted(
      String id,
      String lraId,
      String operatorId,
      String idempotencyKey,
      Kind kind,
      String caId,
      String requestJson,
      byte[] requestSha256,
      byte @Nullable [] evidence,
      Instant acceptedAt) {
    return new JournalEntry(
        id,
        0,
        lraId,
        operatorId,
        idempotencyKey,
        kind,
        caId,
        requestJson,
        requestSha256,
        evidence,
        State.ACCEPTED,
        null,
        null,
        null,
        acceptedAt,
        null);
  }
}
