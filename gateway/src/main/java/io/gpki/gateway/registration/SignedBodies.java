package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Reads a signed POST body (media type, Idempotency-Key, size limit, CMS signature) and checks its
 * envelope (the signed idempotency key and signing time): the one place every signed API (LRA
 * requests, notification settings, operator approvals, emergency revocations) does this.
 */
public final class SignedBodies {

  /** The header every POST carries. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final int maxBytes;

  public SignedBodies(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The Idempotency-Key header, or a 400 naming it. */
  public static String idempotencyKey(ServerRequest request) {
    String key = request.headers().firstHeader(IDEMPOTENCY_KEY);
    if (key == null || key.isBlank()) {
      throw RequestParser.bad(IDEMPOTENCY_KEY, "header is required on every POST");
    }
    return key.trim();
  }

  /**
   * The signed content's {@code idempotencyKey} must be the Idempotency-Key header it came with (a
   * signed body cannot be replayed under another key), else a 400 naming {@code field}.
   */
  public static void sameKey(String headerKey, @Nullable String signedKey, String field) {
    if (!headerKey.equals(signedKey)) {
      throw RequestParser.bad(
          field,
          field.equals(IDEMPOTENCY_KEY)
              ? "must equal the signed idempotencyKey"
              : "must equal the Idempotency-Key header");
    }
  }

  /** The signed body's {@code idempotencyKey} must be the header's. */
  public static void sameKey(JsonNode body, String headerKey) {
    JsonNode key = body.get("idempotencyKey");
    sameKey(headerKey, key == null || !key.isString() ? null : key.asString(), "idempotencyKey");
  }

  /**
   * The signing time must lie within {@code skew} of the server's clock (a signed body kept back
   * and sent much later is refused), else a 400 naming {@code signedAt}.
   */
  public static void fresh(@Nullable Instant signedAt, Instant now, Duration skew) {
    if (signedAt == null) {
      throw RequestParser.bad(
          "signedAt", "missing or more than " + skew + " from the server's time");
    }
    if (Duration.between(signedAt, now).abs().compareTo(skew) > 0) {
      throw RequestParser.bad("signedAt", "more than " + skew + " from the server's time");
    }
  }

  /** The body's {@code signedAt} (RFC 3339), checked by {@link #fresh}. */
  public static void fresh(JsonNode body, Instant now, Duration skew) {
    JsonNode at = body.get("signedAt");
    Instant signedAt;
    try {
      signedAt = at == null || !at.isString() ? null : Instant.parse(at.asString());
    } catch (DateTimeParseException e) {
      throw RequestParser.bad("signedAt", "not an RFC 3339 time");
    }
    fresh(signedAt, now, skew);
  }

  /** Reads and verifies the body; errors with 413, 415, 400 or 403 problems. */
  public Mono<SignedRequests.Verified> read(ServerRequest request) {
    MediaType type = request.headers().contentType().orElse(null);
    if (type == null
        || !(type.isCompatibleWith(MediaType.parseMediaType(SignedRequests.MEDIA_TYPE))
            || type.isCompatibleWith(MediaType.parseMediaType("application/pkcs7-mime")))) {
      return Mono.error(
          new PkiException(
              ErrorType.UNSUPPORTED_MEDIA_TYPE,
              "Content-Type: must be " + SignedRequests.MEDIA_TYPE + " (CMS SignedData, DER)"));
    }
    if (request.headers().contentLength().orElse(0) > maxBytes) {
      return Mono.error(tooLarge());
    }
    return DataBufferUtils.join(request.exchange().getRequest().getBody(), maxBytes)
        .map(
            buf -> {
              byte[] bytes = new byte[buf.readableByteCount()];
              buf.read(bytes);
              DataBufferUtils.release(buf);
              return bytes;
            })
        .onErrorMap(DataBufferLimitException.class, e -> tooLarge())
        .switchIfEmpty(Mono.error(RequestParser.bad("body", "is empty")))
        .map(SignedRequests::verify);
  }

  private PkiException tooLarge() {
    return new PkiException(
        ErrorType.PAYLOAD_TOO_LARGE, "body: larger than " + maxBytes + " bytes");
  }
}
