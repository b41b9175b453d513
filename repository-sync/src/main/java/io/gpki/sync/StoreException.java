package io.gpki.sync;

import org.jspecify.annotations.Nullable;

/** A store operation failed in a way callers handle. */
public sealed class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  StoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * A uniqueness or ordering rule refused the write (duplicate serial, CRL number not increasing).
   */
  public static final class Conflict extends StoreException {
    private static final long serialVersionUID = 1L;

    public Conflict(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /** The referenced record does not exist. */
  public static final class NotFound extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotFound(String message) {
      super(message, null);
    }
  }

  /**
   * A writer of an older epoch: the state it would change already belongs to a higher epoch (a CRL
   * number, a replicated list). Never retried: the writer is stale and must stop.
   */
  public static final class StaleEpoch extends StoreException {
    private static final long serialVersionUID = 1L;

    public StaleEpoch(String message) {
      super(message, null);
    }
  }

  /** The node is a backup and refuses writes. */
  public static final class ReadOnly extends StoreException {
    private static final long serialVersionUID = 1L;

    public ReadOnly(String message) {
      super(message, null);
    }
  }
}
