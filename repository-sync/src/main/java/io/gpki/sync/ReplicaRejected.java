package io.gpki.sync;

/**
 * A replicated record failed a check at the backup. The stream stops at it: nothing at or after it
 * is applied until an operator acts (re-seed or fix the master); it is never skipped.
 */
public final class ReplicaRejected extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a record was refused. A small, fixed set: it labels the alert metric. */
  public enum Reason {
    /** The seq is not the bookmark + 1. */
    GAP,
    /** prev_hash is not the hash of the record before. */
    BROKEN_CHAIN,
    /** The hash is not the hash of the record's fields. */
    BAD_HASH,
    /** The record or frame comes from an epoch below one already seen. */
    STALE_EPOCH,
    /** A certificate, CRL or audit record does not verify against its issuer's key or its chain. */
    BAD_SIGNATURE,
    /** The issuer's key of a certificate or CRL is not held here. */
    UNKNOWN_ISSUER,
    /** The backup already holds a different record at that seq. */
    DIVERGED,
    /** A record schema or entity this node cannot apply. */
    UNSUPPORTED
  }

  private final Reason reason;
  private final long seq;

  public ReplicaRejected(Reason reason, long seq, String detail) {
    super("record " + seq + " refused (" + reason + "): " + detail);
    this.reason = reason;
    this.seq = seq;
  }

  public Reason reason() {
    return reason;
  }

  public long seq() {
    return seq;
  }
}
