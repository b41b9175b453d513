package io.gpki.sync.replication;

import reactor.core.publisher.Mono;

/**
 * This center's role and current epoch, as replication needs them. The default reads center_state
 * (MASTER at epoch 1 when no row exists); the failover module's center service replaces it at
 * wiring.
 */
@FunctionalInterface
public interface EpochSource {

  /** The current view. */
  Mono<CenterView> current();

  /** The default: center_state of this center's database, MASTER at epoch 1 when it has no row. */
  static EpochSource centerState(io.gpki.sync.store.R2dbcReplication store) {
    return () -> store.center().map(c -> new CenterView(c.role(), c.epoch()));
  }

  /** A center's role (MASTER, BACKUP or FENCED) and epoch. */
  record CenterView(String role, long epoch) {
    public boolean master() {
      return "MASTER".equals(role);
    }
  }
}
