package io.gpki.sync;

import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Two-person control: requests and approvals of CA-critical actions, audited in the same
 * transaction.
 */
public interface OperatorApprovals {

  /** Stores a request, or returns the one the operator stored under the same key. */
  Mono<OperatorApproval> request(OperatorApproval approval, byte[] evidence, AuditEvent audit);

  /** One approval, or empty. */
  Mono<OperatorApproval> approval(String id);

  /**
   * Approves a pending, unexpired request by a different operator and, in the same transaction,
   * journals the work it releases. Errors with {@link StoreException.Conflict} when it is not
   * pending, expired (then it is marked EXPIRED), or the approver is the requester.
   */
  Mono<OperatorApproval> approve(
      String id, String approverId, byte[] evidence, List<JournalEntry> released, AuditEvent audit);

  /**
   * Approves like {@link #approve} but releases no journal rows: the approval itself records the
   * work ({@code execution = PENDING}) for the operations executor, in the same transaction.
   */
  Mono<OperatorApproval> approveForExecution(
      String id, String approverId, byte[] evidence, AuditEvent audit);

  /** Approved actions not yet executed, oldest approval first. */
  Flux<OperatorApproval> toExecute(int limit);

  /**
   * Records the execution plan (reserved key generation, serials) before anything is signed, with
   * the audit record that precedes the signatures. When a plan was recorded before (an earlier
   * attempt crashed), that one is returned and nothing is written, so a retry signs the same
   * serials.
   */
  Mono<String> plan(String id, String plan, AuditEvent audit);

  /** Marks an execution DONE or FAILED with its result and audit record (no-op unless PENDING). */
  Mono<OperatorApproval> executed(String id, boolean done, String result, AuditEvent audit);
}
