package io.gpki.gateway.ocsp;

import io.gpki.gateway.web.FastPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.jspecify.annotations.Nullable;

/**
 * Pre-signed OCSP answers on the {@link FastPath}, ahead of WebFlux: {@code POST /ocsp} (body up to
 * the fast path's limit) and {@code GET /ocsp/<base64>}. The request is decoded and checked by the
 * same code as the handler's ({@link OcspRequests}, {@link RequestFilter#check}); only an answer
 * the pre-signed cache can give as is right now ({@link PresignedCache#peek}: one certificate, no
 * nonce, a current entry, no local change pending) is written here, with the handler's headers and
 * counted in its metrics ({@code gpki.ocsp.responses{status=successful,origin=presigned}}, {@code
 * gpki.ocsp.latency}). Everything else (nonces, several certificates, unknown issuers, malformed
 * requests, misses, a pending change, conditional GETs) goes on to {@link OcspHandler}, which gives
 * the same answer or the right OCSP status.
 */
final class OcspFastRoute implements FastPath.Route {

  private static final AsciiString OCSP_RESPONSE = AsciiString.cached("application/ocsp-response");
  private static final AsciiString NO_STORE = AsciiString.cached("no-store");
  private static final String GET_PREFIX = OcspHandler.PATH + "/";

  private final Function<OCSPRequest, @Nullable SignedResponse> presigned;
  private final Clock clock;
  private final int maxRequestBytes;
  private final Duration maxCacheAge;
  private final Counter answered;
  private final Timer latency;

  OcspFastRoute(
      Function<OCSPRequest, @Nullable SignedResponse> presigned,
      Clock clock,
      OcspProperties props,
      MeterRegistry meters) {
    this.presigned = presigned;
    this.clock = clock;
    this.maxRequestBytes = props.maxRequestBytes();
    this.maxCacheAge = props.maxCacheAge();
    // The handler's meters (the registry returns the same ones).
    this.answered =
        Counter.builder("gpki.ocsp.responses")
            .description("OCSP responses by status and origin")
            .tag("status", "successful")
            .tag("origin", "presigned")
            .register(meters);
    this.latency =
        Timer.builder("gpki.ocsp.latency").description("OCSP request latency").register(meters);
  }

  @Override
  public boolean acceptsBody(String uri, HttpHeaders headers) {
    if (!OcspHandler.PATH.equals(uri) && !GET_PREFIX.equals(uri)) {
      return false;
    }
    String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
    return type == null || type.trim().equalsIgnoreCase("application/ocsp-request");
  }

  @Override
  public FastPath.@Nullable Answer answer(
      HttpMethod method, String uri, ByteBuf body, long arrivalNanos) {
    byte[] der;
    boolean get = HttpMethod.GET.equals(method);
    if (HttpMethod.POST.equals(method)) {
      if (!(OcspHandler.PATH.equals(uri) || GET_PREFIX.equals(uri))
          || body.readableBytes() > maxRequestBytes) {
        return null;
      }
      der = ByteBufUtil.getBytes(body);
    } else if (get && uri.startsWith(GET_PREFIX) && uri.indexOf('?') < 0) {
      der = OcspRequests.fromGetPath(uri.substring(GET_PREFIX.length()), maxRequestBytes);
    } else {
      return null;
    }
    OCSPRequest request = der == null ? null : OcspRequests.decode(der);
    SignedResponse r = request == null ? null : presigned.apply(request);
    if (r == null) {
      return null;
    }
    HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    h.set(HttpHeaderNames.CONTENT_TYPE, OCSP_RESPONSE);
    h.set(HttpHeaderNames.CONTENT_LENGTH, r.der().length);
    if (get) {
      if (r.cacheable()) {
        OcspHandler.cachingHeaders(r, clock.instant(), maxCacheAge, h::set);
      } else {
        h.set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
      }
    }
    return new FastPath.Answer(
        HttpResponseStatus.OK,
        h,
        Unpooled.wrappedBuffer(r.der()),
        nanos -> {
          answered.increment();
          if (nanos >= 0) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
          }
        });
  }
}
