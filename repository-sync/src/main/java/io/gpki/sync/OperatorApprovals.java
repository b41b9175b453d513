package io.gpki.sync;

import java.util.List;
import reactor.core.publisher.Mono;

/** Two-person control: requests and approvals of CA-critical actions, audited in the same transaction. */
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
}
