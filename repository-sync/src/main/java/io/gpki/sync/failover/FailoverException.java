package io.gpki.sync.failover;

/** A role change the center's current state does not allow (e.g. promoting a master). */
public final class FailoverException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public FailoverException(String message) {
    super(message);
  }
}
