package io.gpki.gateway.repository;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Writes one {@link Published} object for every HTTP interface: ETag, Last-Modified, Cache-Control
 * that never runs past a list's nextUpdate, conditional GET (304) and, for a list past its
 * nextUpdate, a Warning header and the {@code gpki.repository.stale.served} counter.
 */
public final class PublishedResponder {

  /** Counter of CRL/ARL responses served past their nextUpdate. */
  public static final String STALE_METRIC = "gpki.repository.stale.served";

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

  private final Clock clock;
  private final Duration maxCacheAge;
  private final Counter stale;

  public PublishedResponder(Clock clock, Duration maxCacheAge, MeterRegistry meters) {
    this.clock = clock;
    this.maxCacheAge = maxCacheAge;
    this.stale =
        Counter.builder(STALE_METRIC)
            .description("CRL/ARL responses served after their nextUpdate (with a Warning header)")
            .register(meters);
  }

  /** The response for one object. */
  public Mono<ServerResponse> respond(ServerRequest request, Published p) {
    HeaderSet headers = headers(p, clock.instant());
    if (headers.stale()) {
      countStale();
    }
    HttpHeaders h = new HttpHeaders();
    headers.values().forEach(h::set);
    if (notModified(request, p)) {
      return ServerResponse.status(HttpStatus.NOT_MODIFIED).headers(x -> x.addAll(h)).build();
    }
    return ServerResponse.ok()
        .headers(x -> x.addAll(h))
        .contentType(MediaType.parseMediaType(p.contentType()))
        .contentLength(p.body().length)
        .bodyValue(p.body());
  }

  /**
   * The validator and caching headers of one object at one instant (ETag, Last-Modified,
   * Cache-Control, Expires and, past nextUpdate, Warning), in the order they are written.
   *
   * @param values header name to value
   * @param stale whether the object is a list past its nextUpdate (to be counted once per response)
   */
  public record HeaderSet(Map<String, String> values, boolean stale) {}

  /**
   * The headers every response for {@code p} carries at {@code now} (the fast path caches them per
   * second).
   */
  public HeaderSet headers(Published p, Instant now) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(HttpHeaders.ETAG, p.etag());
    h.put(
        HttpHeaders.LAST_MODIFIED,
        HTTP_DATE.format(p.lastModified().truncatedTo(ChronoUnit.SECONDS)));
    h.put(HttpHeaders.CACHE_CONTROL, cacheControl(p, now));
    boolean stale = false;
    if (p.nextUpdate() != null) {
      h.put(HttpHeaders.EXPIRES, HTTP_DATE.format(p.nextUpdate()));
      if (!p.nextUpdate().isAfter(now)) {
        // Never serve a list past its nextUpdate silently.
        h.put("Warning", "110 gpki-gateway \"Response is Stale: nextUpdate has passed\"");
        stale = true;
      }
    }
    return new HeaderSet(Collections.unmodifiableMap(h), stale);
  }

  /** Counts one response served past its list's nextUpdate. */
  public void countStale() {
    stale.increment();
  }

  private String cacheControl(Published p, Instant now) {
    if (p.contentType().equals(SnapshotBuilder.JSON)) {
      return "no-cache";
    }
    long maxAge = maxCacheAge.toSeconds();
    if (p.nextUpdate() != null) {
      maxAge = Math.max(0, Math.min(maxAge, Duration.between(now, p.nextUpdate()).toSeconds()));
    }
    return "public, max-age=" + maxAge;
  }

  private static boolean notModified(ServerRequest request, Published p) {
    List<String> ifNoneMatch = request.headers().header(HttpHeaders.IF_NONE_MATCH);
    if (!ifNoneMatch.isEmpty()) {
      for (String header : ifNoneMatch) {
        for (String tag : header.split(",")) {
          String t = tag.trim();
          if (t.equals("*") || t.equals(p.etag()) || t.equals("W/" + p.etag())) {
            return true;
          }
        }
      }
      return false;
    }
    String since = request.headers().firstHeader(HttpHeaders.IF_MODIFIED_SINCE);
    if (since != null) {
      try {
        Instant t = ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return !p.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(t);
      } catch (DateTimeParseException e) {
        return false; // RFC 9110 13.1.3: an invalid date is ignored
      }
    }
    return false;
  }
}
