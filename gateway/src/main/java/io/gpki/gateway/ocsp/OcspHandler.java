package io.gpki.gateway.ocsp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The HTTP side of the responder, and the only place that decodes requests, sets headers, applies
 * the request timeout and counts. Every answer is an {@code application/ocsp-response} with HTTP
 * 200 (never a problem document): signed answers from the chain, or a pre-encoded status. GET
 * answers carry the RFC 5019 caching headers; the max-age never runs past the answer's nextUpdate.
 */
final class OcspHandler {

  private static final Logger LOG = LoggerFactory.getLogger(OcspHandler.class);
  static final MediaType OCSP_REQUEST = MediaType.parseMediaType("application/ocsp-request");
  static final MediaType OCSP_RESPONSE = MediaType.parseMediaType("application/ocsp-response");
  static final String PATH = "/ocsp";
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

  private final StatusSource chain;
  private final Clock clock;
  private final int maxRequestBytes;
  private final Duration requestTimeout;
  private final Duration maxCacheAge;
  private final Map<String, Counter> counters = new HashMap<>();
  private final Timer latency;

  OcspHandler(StatusSource chain, Clock clock, OcspProperties props, MeterRegistry meters) {
    this.chain = chain;
    this.clock = clock;
    this.maxRequestBytes = props.maxRequestBytes();
    this.requestTimeout = props.requestTimeout();
    this.maxCacheAge = props.maxCacheAge();
    // A fixed, small label set: the OCSP response status and where a signed answer came from.
    for (String origin : new String[] {"presigned", "live", "none"}) {
      for (String status :
          new String[] {
            "successful", "malformedRequest", "internalError", "tryLater", "unauthorized"
          }) {
        counters.put(
            status + "/" + origin,
            Counter.builder("gpki.ocsp.responses")
                .description("OCSP responses by status and origin")
                .tag("status", status)
                .tag("origin", origin)
                .register(meters));
      }
    }
    this.latency =
        Timer.builder("gpki.ocsp.latency").description("OCSP request latency").register(meters);
  }

  /** POST {@code /ocsp}: the DER request is the body. */
  Mono<ServerResponse> post(ServerRequest request) {
    long start = System.nanoTime();
    MediaType type = request.headers().contentType().orElse(OCSP_REQUEST);
    if (!OCSP_REQUEST.equalsTypeAndSubtype(type)) {
      return refused(request, start, OcspStatus.MALFORMED_REQUEST, "content type " + type, false);
    }
    if (request.headers().contentLength().orElse(0) > maxRequestBytes) {
      return refused(request, start, OcspStatus.MALFORMED_REQUEST, "request too large", false);
    }
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxRequestBytes)
        .map(OcspHandler::bytes)
        .defaultIfEmpty(new byte[0])
        .flatMap(der -> handle(request, start, der, false))
        .onErrorResume(
            DataBufferLimitException.class,
            e -> refused(request, start, OcspStatus.MALFORMED_REQUEST, "request too large", false));
  }

  /** GET {@code /ocsp/<url-encoded base64 of the DER request>}. */
  Mono<ServerResponse> get(ServerRequest request) {
    long start = System.nanoTime();
    String raw = request.exchange().getRequest().getURI().getRawPath();
    String encoded = raw.length() > PATH.length() + 1 ? raw.substring(PATH.length() + 1) : "";
    byte[] der = OcspRequests.fromGetPath(encoded, maxRequestBytes);
    if (der == null) {
      return refused(request, start, OcspStatus.MALFORMED_REQUEST, "bad GET encoding", true);
    }
    return handle(request, start, der, true);
  }

  private Mono<ServerResponse> handle(ServerRequest request, long start, byte[] der, boolean get) {
    OCSPRequest decoded = OcspRequests.decode(der);
    if (decoded == null) {
      return refused(request, start, OcspStatus.MALFORMED_REQUEST, "not a DER OCSPRequest", get);
    }
    return chain
        .answer(OcspQuery.of(decoded.getTbsRequest()))
        .timeout(requestTimeout)
        .onErrorResume(
            e -> {
              boolean late = e instanceof TimeoutException;
              if (!late) {
                LOG.warn("ocsp request failed", e);
              }
              return Mono.just(
                  new OcspResult.Refused(
                      late ? OcspStatus.TRY_LATER : OcspStatus.INTERNAL_ERROR,
                      e.getClass().getSimpleName()));
            })
        .flatMap(
            result -> {
              if (result instanceof OcspResult.Answered a) {
                return answered(request, start, a, get);
              }
              OcspResult.Refused r = (OcspResult.Refused) result;
              return refused(request, start, r.status(), r.why(), get);
            });
  }

  private Mono<ServerResponse> answered(
      ServerRequest request, long start, OcspResult.Answered a, boolean get) {
    SignedResponse r = a.response();
    String origin = a.origin() == OcspResult.Origin.PRESIGNED ? "presigned" : "live";
    record(request, start, "successful", origin, "");
    if (!get) {
      return ServerResponse.ok().contentType(OCSP_RESPONSE).bodyValue(r.der());
    }
    if (!r.cacheable()) {
      return ServerResponse.ok()
          .contentType(OCSP_RESPONSE)
          .header(HttpHeaders.CACHE_CONTROL, "no-store")
          .bodyValue(r.der());
    }
    boolean notModified = request.headers().header(HttpHeaders.IF_NONE_MATCH).contains(r.etag());
    ServerResponse.BodyBuilder b =
        ServerResponse.status(notModified ? HttpStatus.NOT_MODIFIED : HttpStatus.OK);
    cachingHeaders(r, clock.instant(), maxCacheAge, b::header);
    return notModified ? b.build() : b.contentType(OCSP_RESPONSE).bodyValue(r.der());
  }

  /**
   * The RFC 5019 caching headers of a cacheable answer to a GET: max-age never past nextUpdate (nor
   * past {@code maxCacheAge}), ETag, Last-Modified = producedAt, Expires = nextUpdate, Date.
   */
  static void cachingHeaders(SignedResponse r, Instant now, Duration maxCacheAge, HeaderSink sink) {
    long maxAge =
        Math.max(
            0,
            Math.min(Duration.between(now, r.nextUpdate()).toSeconds(), maxCacheAge.toSeconds()));
    sink.header(
        HttpHeaders.CACHE_CONTROL, "max-age=" + maxAge + ", public, no-transform, must-revalidate");
    sink.header(HttpHeaders.ETAG, r.etag());
    sink.header(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(r.producedAt()));
    sink.header(HttpHeaders.EXPIRES, HTTP_DATE.format(r.nextUpdate()));
    sink.header(HttpHeaders.DATE, HTTP_DATE.format(now));
  }

  /** Where {@link #cachingHeaders} puts a header. */
  @FunctionalInterface
  interface HeaderSink {
    void header(String name, String value);
  }

  private Mono<ServerResponse> refused(
      ServerRequest request, long start, OcspStatus status, String why, boolean get) {
    record(request, start, status.label(), "none", why);
    ServerResponse.BodyBuilder b = ServerResponse.ok().contentType(OCSP_RESPONSE);
    if (get) {
      b.header(HttpHeaders.CACHE_CONTROL, "no-store");
    }
    return b.bodyValue(status.sharedEncoded());
  }

  private void record(ServerRequest request, long start, String status, String origin, String why) {
    long nanos = System.nanoTime() - start;
    Objects.requireNonNull(counters.get(status + "/" + origin), "counter registered at start")
        .increment();
    latency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "ocsp id={} method={} status={} origin={} latencyUs={} why={}",
          request.exchange().getRequest().getId(),
          request.method(),
          status,
          origin,
          nanos / 1000,
          why);
    }
  }

  private static byte[] bytes(DataBuffer buffer) {
    try {
      byte[] out = new byte[buffer.readableByteCount()];
      buffer.read(out);
      return out;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }
}
