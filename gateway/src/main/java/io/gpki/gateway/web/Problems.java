package io.gpki.gateway.web;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.signer.SignerException;
import io.gpki.sync.StoreException;
import io.gpki.sync.StoreFailures;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * RFC 9457 problem bodies. The one place that turns errors into {@code application/problem+json}:
 * handlers call {@link #response}, and {@link ProblemErrorHandler} uses {@link #of(Throwable)} for
 * everything that escapes a handler. 5xx details are generic; causes go to the log only.
 */
public final class Problems {

  private Problems() {}

  /**
   * The Cache-Control of every problem answer: an error (a 503 above all) must never be kept by a
   * cache in front of the repository in place of the object it stands for.
   */
  public static final String NO_STORE = "no-store";

  /** A problem as ordered fields: type, title, status, detail, instance. */
  public record Problem(ErrorType type, int status, String detail) {

    /** The JSON body. */
    public byte[] json(@Nullable String instance) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("type", type.typeUri());
      body.put("title", type.title());
      body.put("status", status);
      body.put("detail", detail);
      if (instance != null) {
        body.put("instance", instance);
      }
      return toJson(body).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * The problem for any throwable; internal errors get a generic detail. Beyond {@link
   * PkiException} and Spring's {@link ResponseStatusException}: a store that cannot answer right
   * now (database down or unreachable, pool exhausted, a timeout; see {@link StoreFailures}) and a
   * signer that is away, saturated or too slow are 503s with Retry-After, since the same request
   * can succeed later; a request body the client stopped sending is 408. Only what is left is a
   * 500.
   */
  public static Problem of(Throwable e) {
    if (e instanceof StoreException.ReadOnly r) {
      // The store refused a write because this center is not the master (backup code paths refuse).
      return new Problem(ErrorType.BACKUP_CENTER, 503, String.valueOf(r.getMessage()));
    }
    if (e instanceof PkiException p) {
      boolean hidden =
          p.type().status() >= 500
              && p.type() != ErrorType.NOT_IMPLEMENTED
              && p.type() != ErrorType.BACKUP_CENTER;
      return new Problem(p.type(), p.type().status(), hidden ? generic(p.type()) : p.getMessage());
    }
    if (e instanceof ResponseStatusException r) {
      int status = r.getStatusCode().value();
      ErrorType type =
          switch (status) {
            case 400 -> ErrorType.BAD_REQUEST;
            case 404 -> ErrorType.NOT_FOUND;
            case 405 -> ErrorType.METHOD_NOT_ALLOWED;
            case 408 -> ErrorType.REQUEST_TIMEOUT;
            case 413 -> ErrorType.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorType.UNSUPPORTED_MEDIA_TYPE;
            case 503 -> ErrorType.SERVICE_UNAVAILABLE;
            default -> status >= 500 ? ErrorType.INTERNAL : ErrorType.BAD_REQUEST;
          };
      String detail = r.getReason() != null && status < 500 ? r.getReason() : type.title();
      return new Problem(type, status, detail);
    }
    if (e instanceof StoreException.Conflict) {
      return new Problem(
          ErrorType.CONFLICT, 409, "a uniqueness or ordering rule refused the write");
    }
    if (e instanceof StoreException.NotFound) {
      return new Problem(ErrorType.NOT_FOUND, 404, String.valueOf(e.getMessage()));
    }
    if (e instanceof SignerException s) {
      return switch (s.kind()) {
        case UNAVAILABLE, SATURATED, TIMEOUT ->
            new Problem(
                ErrorType.SIGNER_UNAVAILABLE,
                503,
                "the signer cannot sign right now; retry after the Retry-After delay");
        case FENCED ->
            new Problem(
                ErrorType.SERVICE_UNAVAILABLE,
                503,
                "this center is not the master at the current epoch and signs nothing; use the master center");
        case UNKNOWN_KEY, REJECTED ->
            new Problem(ErrorType.INTERNAL, 500, generic(ErrorType.INTERNAL));
      };
    }
    if (readTimeout(e)) {
      return new Problem(
          ErrorType.REQUEST_TIMEOUT,
          408,
          "the request body did not arrive within the read timeout; the connection is closed");
    }
    if (StoreFailures.unavailable(e)) {
      return new Problem(
          ErrorType.SERVICE_UNAVAILABLE,
          503,
          "the database cannot be reached right now; retry after the Retry-After delay");
    }
    return new Problem(ErrorType.INTERNAL, 500, generic(ErrorType.INTERNAL));
  }

  /** Whether the client paused its request for longer than the server's read timeout. */
  static boolean readTimeout(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
      if (t instanceof ReadTimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** A problem response for a handler. */
  public static Mono<ServerResponse> response(
      ErrorType type, @Nullable String detail, String instance) {
    Problem p = new Problem(type, type.status(), detail == null ? type.title() : detail);
    ServerResponse.BodyBuilder b =
        ServerResponse.status(HttpStatus.valueOf(type.status()))
            .contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .header(HttpHeaders.CACHE_CONTROL, NO_STORE);
    if (type.status() == 503) {
      b.header("Retry-After", "1");
    }
    return b.bodyValue(p.json(instance));
  }

  private static String generic(ErrorType type) {
    return type.title() + "; the request id in the log has the cause";
  }

  /** Minimal JSON for flat maps of strings and numbers (problem bodies only). */
  static String toJson(Map<String, Object> map) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      quote(sb, e.getKey());
      sb.append(':');
      if (e.getValue() instanceof Number n) {
        sb.append(n);
      } else {
        quote(sb, String.valueOf(e.getValue()));
      }
    }
    return sb.append('}').toString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
