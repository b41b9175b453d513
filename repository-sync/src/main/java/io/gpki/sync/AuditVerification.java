package io.gpki.sync;

import org.jspecify.annotations.Nullable;

/**
 * The result of verifying the whole audit log.
 *
 * @param records records checked
 * @param seals seals checked
 * @param headSeq the last sequence number seen
 * @param brokenAtSeq the first record whose link does not hold, or {@code null} when all hold
 * @param problem what is wrong there, or {@code null}
 */
public record AuditVerification(
    long records, long seals, long headSeq, @Nullable Long brokenAtSeq, @Nullable String problem) {

  /** Whether the whole chain and every seal verified. */
  public boolean ok() {
    return brokenAtSeq == null && problem == null;
  }
}
