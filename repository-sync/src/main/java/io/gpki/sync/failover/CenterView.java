package io.gpki.sync.failover;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * This node's center as it stands now.
 *
 * @param centerId the center's id ({@code gpki.center.id})
 * @param role what the center may do
 * @param epoch the epoch this center knows as current (a backup follows its master's)
 * @param fencedReason why the center is {@link CenterRole#FENCED}; null otherwise
 * @param updatedAt when the state last changed
 */
public record CenterView(
    String centerId,
    CenterRole role,
    long epoch,
    @Nullable String fencedReason,
    Instant updatedAt) {

  /** Whether this center may sign and publish: a MASTER. */
  public boolean writable() {
    return role == CenterRole.MASTER;
  }
}
