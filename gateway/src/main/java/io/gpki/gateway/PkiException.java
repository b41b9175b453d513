package io.gpki.gateway;

import org.jspecify.annotations.Nullable;

/**
 * The gateway's one unchecked exception. The detail is shown to clients for 4xx types; for 5xx the
 * client sees a generic message and the cause goes to the log.
 */
public final class PkiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ErrorType type;

  public PkiException(ErrorType type, String detail, @Nullable Throwable cause) {
    super(detail, cause);
    this.type = type;
  }

  public PkiException(ErrorType type, String detail) {
    this(type, detail, null);
  }

  /** The detail; the type's title when none was given. */
  @Override
  public String getMessage() {
    String detail = super.getMessage();
    return detail == null ? type.title() : detail;
  }

  /** The error type. */
  public ErrorType type() {
    return type;
  }
}
