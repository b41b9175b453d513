package io.gpki.sync.replication;

import io.gpki.sync.ReplicaRejected;
import org.jspecify.annotations.Nullable;

/**
 * What the backup's subscriber reports (health, metrics, status API).
 *
 * @param state CONNECTING, STREAMING, or STOPPED (a record failed a check: alert, nothing applied
 *     after it)
 * @param appliedSeq the bookmark
 * @param masterHeadSeq the master's head as last heard (records and heartbeats)
 * @param lagSeconds 0 when caught up with a fresh heartbeat; else seconds since the last applied
 *     record was written, or since the master was last heard from, whichever is honest
 * @param stoppedBy why the stream stopped (STOPPED only)
 * @param lastError the last failure, transient or not
 * @param reconnects connections made after the first
 */
public record ReplicationStatus(
    State state,
    long appliedSeq,
    long masterHeadSeq,
    double lagSeconds,
    ReplicaRejected.@Nullable Reason stoppedBy,
    @Nullable String lastError,
    long reconnects) {

  /** The subscriber's state. */
  public enum State {
    CONNECTING,
    STREAMING,
    STOPPED,
    /** The master handed over (switchover): this center applied its last record and promoted. */
    HANDED_OVER
  }

  /** Records behind the master. */
  public long lagSeq() {
    return Math.max(0, masterHeadSeq - appliedSeq);
  }
}
