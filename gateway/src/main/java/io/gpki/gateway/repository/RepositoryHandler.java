package io.gpki.gateway.repository;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.CertificateStore;
import io.gpki.sync.CrlStore;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the repository's plain file URLs (the ones certificates name) from the in-memory snapshot,
 * with ETag, Last-Modified, Cache-Control that never runs past a list's nextUpdate, conditional GET
 * (304) and HEAD. Archived lists and end-entity certificates outside the snapshot come from the store.
 */
public final class RepositoryHandler {

  private static final Pattern CERT =
      Pattern.compile("^/repository/certs/([a-z0-9][a-z0-9-]{0,63})/([0-9a-fA-F]{1,40})\\.cer$");
  private static final Pattern ARCHIVED =
      Pattern.compile("^/repository/(crl|arl)/([a-z0-9][a-z0-9-]{0,63})/([0-9]{1,40})\\.crl$");
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

  private final RepositorySnapshots snapshots;
  private final CertificateStore certificates;
  private final CrlStore crls;
  private final Clock clock;
  private final Duration maxCacheAge;

  public RepositoryHandler(
      RepositorySnapshots snapshots,
      CertificateStore certificates,
      CrlStore crls,
      Clock clock,
      Duration maxCacheAge) {
    this.snapshots = snapshots;
    this.certificates = certificates;
    this.crls = crls;
    this.clock = clock;
    this.maxCacheAge = maxCacheAge;
  }

  /** GET and HEAD for every repository path. */
  public Mono<ServerResponse> serve(ServerRequest request) {
    String path = request.path();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    RepositorySnapshot snapshot = snapshots.current();
    if (!snapshot.loaded()) {
      return Problems.response(ErrorType.NOT_READY, "the repository is loading; retry shortly", path);
    }
    Published hit = snapshot.get(path);
    if (hit != null) {
      return respond(request, hit);
    }
    return fromStore(request, path);
  }

  private Mono<ServerResponse> fromStore(ServerRequest request, String path) {
    Matcher cert = CERT.matcher(path);
    if (cert.matches()) {
      String serial = new BigInteger(cert.group(2), 16).toString(16);
      return certificates
          .find(cert.group(1), serial)
          .flatMap(c -> respond(request, SnapshotBuilder.certificate(c)))
          .switchIfEmpty(notFound(path));
    }
    Matcher archived = ARCHIVED.matcher(path);
    if (archived.matches()) {
      String scope = archived.group(1).toUpperCase(Locale.ROOT);
      return crls.byNumber(archived.group(2), scope, new BigInteger(archived.group(3)))
          .flatMap(
              l ->
                  respond(
                      request,
                      new Published(
                          l.der(), SnapshotBuilder.PKIX_CRL, SnapshotBuilder.etag(l.sha256()),
                          l.thisUpdate(), l.nextUpdate())))
          .switchIfEmpty(notFound(path));
    }
    if (path.startsWith(RepositoryUrls.PREFIX + "/certs/") || path.startsWith(RepositoryUrls.PREFIX + "/crl/")
        || path.startsWith(RepositoryUrls.PREFIX + "/arl/")) {
      return Problems.response(
          ErrorType.BAD_REQUEST,
          "malformed repository path; expected /repository/certs/{ca}/{serialHex}.cer or"
              + " /repository/{crl|arl}/{ca}[/{number}].crl",
          path);
    }
    return notFound(path);
  }

  private static Mono<ServerResponse> notFound(String path) {
    return Mono.defer(
        () -> Problems.response(ErrorType.NOT_FOUND, "nothing is published at " + path, path));
  }

  private Mono<ServerResponse> respond(ServerRequest request, Published p) {
    Instant now = clock.instant();
    HttpHeaders h = new HttpHeaders();
    h.setETag(p.etag());
    h.set(HttpHeaders.LAST_MODIFIED, HTTP_DATE.format(p.lastModified().truncatedTo(ChronoUnit.SECONDS)));
    h.setCacheControl(cacheControl(p, now));
    if (p.nextUpdate() != null) {
      h.set(HttpHeaders.EXPIRES, HTTP_DATE.format(p.nextUpdate()));
      if (!p.nextUpdate().isAfter(now)) {
        // Never serve a list past its nextUpdate silently.
        h.set("Warning", "110 gpki-gateway \"Response is Stale: nextUpdate has passed\"");
      }
    }
    if (notModified(request, p)) {
      return ServerResponse.status(HttpStatus.NOT_MODIFIED).headers(x -> x.addAll(h)).build();
    }
    return ServerResponse.ok()
        .headers(x -> x.addAll(h))
        .contentType(MediaType.parseMediaType(p.contentType()))
        .contentLength(p.body().length)
        .bodyValue(p.body());
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
        Instant t = java.time.ZonedDateTime.parse(since, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return !p.lastModified().truncatedTo(ChronoUnit.SECONDS).isAfter(t);
      } catch (java.time.format.DateTimeParseException e) {
        return false; // RFC 9110 13.1.3: an invalid date is ignored
      }
    }
    return false;
  }
}
