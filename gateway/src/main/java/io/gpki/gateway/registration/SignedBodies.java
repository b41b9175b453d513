package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/** Reads a signed POST body: media type, Idempotency-Key, size limit, CMS signature. */
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
