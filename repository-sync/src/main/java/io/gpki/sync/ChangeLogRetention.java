package io.gpki.sync;

import java.time.Instant;
import reactor.core.publisher.Mono;

/**
 * Drops old change-log entries. Never one a backup has not acknowledged applying (when this center
 * replicates), never the newest entry recorded before the cut-off (its hash anchors the chain for a
 * stream that resumes there), never an entry at or after the cut-off.
 */
public interface ChangeLogRetention {

  /** What one pruning did. */
  record Pruned(long floor, long deleted) {

    /** Nothing was old enough, or every old entry is still needed. */
    public static final Pruned NONE = new Pruned(0, 0);
  }

  /**
   * Deletes the entries with {@code seq < floor}, in batches of {@code batch} (one transaction
   * each), where floor is the newest entry recorded before {@code cutoff}, and, when {@code
   * replicated}, at most the lowest sequence number acknowledged by any backup in {@code
   * replication_ack} (no acknowledgement yet: nothing goes).
   */
  Mono<Pruned> prune(Instant cutoff, boolean replicated, int batch);
}
