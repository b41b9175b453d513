package io.gpki.gateway;

/**
 * The kinds of error the gateway reports, each with its HTTP status and RFC 9457 problem type. This
 * list is append-only: a retired value stays, reserved, so problem types never change meaning.
 */
public enum ErrorType {
  BAD_REQUEST(400, "bad-request", "Bad request"),
  NOT_FOUND(404, "not-found", "Not found"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
  CONFLICT(409, "conflict", "Conflict"),
  PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
  TOO_MANY_REQUESTS(429, "too-many-requests", "Too many requests"),
  INTERNAL(500, "internal", "Internal error"),
  SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable"),
  SIGNER_UNAVAILABLE(503, "signer-unavailable", "Signer unavailable"),
  NOT_READY(503, "not-ready", "Starting up"),
  FORBIDDEN(403, "forbidden", "Forbidden"),
  /**
   * A reserved feature this deployment does not have (e.g. FAILOVER without a DR subsystem); detail
   * shown.
   */
  NOT_IMPLEMENTED(501, "not-implemented", "Not available on this deployment"),
  /** The client stopped sending its request (body) for longer than the read timeout. */
  REQUEST_TIMEOUT(408, "request-timeout", "Request timeout"),
  /** A write reached a backup center; the detail names the master center. Detail shown. */
  BACKUP_CENTER(503, "backup-center", "This center is a backup: write at the master center");

  private final int status;
  private final String slug;
  private final String title;

  ErrorType(int status, String slug, String title) {
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  /** HTTP status code. */
  public int status() {
    return status;
  }

  /** Short title of the problem type. */
  public String title() {
    return title;
  }

  /** The RFC 9457 problem type URI. */
  public String typeUri() {
    return "urn:gpki:problem:" + slug;
  }
}
