package io.gpki.gateway.validation;

import io.gpki.gateway.PkiException;
import io.gpki.gateway.web.FastPath;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Single JSON validations on the {@link FastPath}: {@code POST /api/v1/validations} with a JSON body
 * small enough for the fast path (one certificate, a few intermediates) whose verdict the engine can
 * give from memory (our CAs' certificates and CRLs, cached external evidence). The request is parsed,
 * validated and rendered by the same code as the WebFlux handler, on the event loop, without the
 * WebFlux request machinery around it. Everything else goes on to {@link ValidationHandler} and gets
 * the same answer there: a signed verdict ({@code sign}), a verdict that needs a fetch (AIA, an
 * external CRL, OCSP), a malformed or refused request (its problem body), DER or batch requests, and
 * any other content type.
 */
public final class ValidationFastRoute implements FastPath.Route {

  private static final AsciiString JSON = AsciiString.cached("application/json");
  private static final AsciiString NO_STORE = AsciiString.cached("no-store");

  private final ValidationService service;
  private final ValidationJson json;
  private final Clock clock;
  private final int maxRequestBytes;
  /** Per verdict: the time from arrival to the last byte written. */
  private final Map<String, Timer> timers;

  public ValidationFastRoute(ValidationService service, ValidationProperties props, Clock clock, MeterRegistry registry) {
    this.service = service;
    this.json = new ValidationJson(props);
    this.clock = clock;
    this.maxRequestBytes = props.maxRequestBytes();
    this.timers =
        Stream.of("VALID", "INVALID", "INDETERMINATE")
            .collect(Collectors.toUnmodifiableMap(
                v -> v,
                v -> Timer.builder("gpki.validation.fast")
                    .description("validations answered on the fast path, from arrival to the last byte written")
                    .tag("status", v)
                    .register(registry)));
  }

  @Override
  public boolean acceptsBody(String uri, HttpHeaders headers) {
    if (!ValidationHandler.PATH.equals(uri)) {
      return false; // a query (?sign=true) or another path: the handler's business
    }
    String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null) {
      return true; // the handler takes a body without a type as JSON too
    }
    int semicolon = type.indexOf(';');
    String base = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    return base.equalsIgnoreCase("application/json");
  }

  @Override
  public FastPath.@Nullable Answer answer(HttpMethod method, String uri, ByteBuf body, long arrivalNanos) {
    if (!HttpMethod.POST.equals(method) || !ValidationHandler.PATH.equals(uri) || body.readableBytes() > maxRequestBytes) {
      return null; // over the configured cap: the handler answers 413
    }
    byte[] bytes = new byte[body.readableBytes()];
    body.getBytes(body.readerIndex(), bytes);
    ValidationResult result;
    try {
      JsonNode tree = ValidationJson.tree(bytes);
      if (tree.path("sign").asBoolean(false)) {
        return null; // signing runs off the event loop, in the handler
      }
      result = service.validateNow(json.request(tree, clock.instant()));
    } catch (PkiException | IllegalArgumentException e) {
      return null; // the handler renders the problem body for it
    }
    if (result == null) {
      return null;
    }
    byte[] out = ValidationJson.MAPPER.writeValueAsBytes(ValidationJson.render(result));
    HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    h.set(HttpHeaderNames.CONTENT_TYPE, JSON);
    h.set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
    h.set(HttpHeaderNames.CONTENT_LENGTH, out.length);
    Timer timer = timers.get(result.outcome().verdict());
    return new FastPath.Answer(
        HttpResponseStatus.OK,
        h,
        Unpooled.wrappedBuffer(out),
        nanos -> {
          if (nanos >= 0 && timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
          }
        });
  }

}
