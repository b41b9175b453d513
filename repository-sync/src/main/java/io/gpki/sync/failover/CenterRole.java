package io.gpki.sync.failover;

/** What a center may do now. Only a {@link #MASTER} at the current epoch signs or publishes. */
public enum CenterRole {
  /** Signs, publishes and accepts writes. */
  MASTER,
  /** Applies the master's change log and serves reads; signs nothing until promoted. */
  BACKUP,
  /**
   * A former master that must not write: it stopped uncleanly or saw a higher epoch. Leaves this
   * state only when its peer confirms no higher epoch exists or two operators unfence it.
   */
  FENCED
}
