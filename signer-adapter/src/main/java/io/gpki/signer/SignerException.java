package io.gpki.signer;

import org.jspecify.annotations.Nullable;

/** A signing failure, with a kind callers map to HTTP, OCSP or LDAP answers. */
public final class SignerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why signing failed. */
  public enum Kind {
    /** No key source holds the key id. */
    UNKNOWN_KEY,
    /** The key source is unreachable or its circuit is open. */
    UNAVAILABLE,
    /** Too many calls in flight for the key source (bulkhead full). */
    SATURATED,
    /** The call did not finish within the configured timeout. */
    TIMEOUT,
    /** The key source refused the operation (bad algorithm, key mismatch, ...). */
    REJECTED,
    /**
     * This node may not sign: it is not the master at the current epoch (a backup, or a fenced
     * former master). See {@link SigningFence}.
     */
    FENCED
  }

  private final Kind kind;

  public SignerException(Kind kind, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public SignerException(Kind kind, String message) {
    this(kind, message, null);
  }

  /** Why signing failed. */
  public Kind kind() {
    return kind;
  }
}
