package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A CA-critical action waiting for (or given) a second operator's approval.
 *
 * @param id approval id
 * @param action e.g. {@code EMERGENCY_REVOKE_CA}
 * @param target what it acts on, e.g. {@code osca} or {@code osca/g2}
 * @param requestJson the validated request
 * @param requestedBy the first operator
 * @param requestedAt when it was asked for
 * @param expiresAt approval must come before this
 * @param idempotencyKey the requester's Idempotency-Key
 * @param state PENDING, APPROVED or EXPIRED
 * @param approvedBy the second operator, once approved
 * @param approvedAt when, once approved
 * @param execution for actions the operations executor carries out: PENDING (approved, not yet
 *     done), DONE or FAILED; {@code null} for actions that release journal rows and before approval
 * @param plan what the executor reserved before signing (JSON: key generation, serials), or {@code
 *     null}
 * @param result what the execution did, or why it failed
 */
public record OperatorApproval(
    String id,
    String action,
    String target,
    String requestJson,
    String requestedBy,
    Instant requestedAt,
    Instant expiresAt,
    String idempotencyKey,
    String state,
    @Nullable String approvedBy,
    @Nullable Instant approvedAt,
    @Nullable String execution,
    @Nullable String plan,
    @Nullable String result) {

  /** A new request (PENDING, not approved, nothing executed). */
  public static OperatorApproval requested(
      String id,
      String action,
      String target,
      String requestJson,
      String requestedBy,
      Instant requestedAt,
      Instant expiresAt,
      String idempotencyKey) {
    return new OperatorApproval(
        id,
        action,
        target,
        requestJson,
        requestedBy,
        requestedAt,
        expiresAt,
        idempotencyKey,
        "PENDING",
        null,
        null,
        null,
        null,
        null);
  }
}
