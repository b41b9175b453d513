package io.gpki.sync.failover;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One epoch of the history: who started it, and the fork point (the previous epoch's last sequence
 * number and chain hash) it started from.
 *
 * @param epoch the epoch
 * @param centerId the center that became master
 * @param firstSeq the first change-log sequence number of the epoch
 * @param prevLastSeq the previous epoch's last applied sequence number; null for epoch 1
 * @param prevChainHash the chain hash at {@code prevLastSeq}; null when unknown or for epoch 1
 * @param kind {@code INITIAL}, {@code FAILOVER}, {@code SWITCHOVER} or {@code UNFENCE}
 * @param requestedBy the requesting operator; null for INITIAL
 * @param approvedBy the approving operator; null for INITIAL
 * @param reason the operators' reason
 * @param startedAt when the epoch was persisted
 */
public record EpochRecord(
    long epoch,
    String centerId,
    long firstSeq,
    @Nullable Long prevLastSeq,
    byte @Nullable [] prevChainHash,
    String kind,
    @Nullable String requestedBy,
    @Nullable String approvedBy,
    @Nullable String reason,
    Instant startedAt) {}
