package io.gpki.gateway.repository;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CrlLookup;
import java.math.BigInteger;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the repository's plain file URLs (the ones certificates name) from the in-memory snapshot,
 * with ETag, Last-Modified, Cache-Control that never runs past a list's nextUpdate, conditional GET
 * (304) and HEAD. Archived lists and end-entity certificates outside the snapshot come from the
 * store.
 */
public final class RepositoryHandler {

  private static final Pattern CERT =
      Pattern.compile("^/repository/certs/([a-z0-9][a-z0-9-]{0,63})/([0-9a-fA-F]{1,40})\\.cer$");
  private static final Pattern ARCHIVED =
      Pattern.compile("^/repository/(crl|arl)/([a-z0-9][a-z0-9-]{0,63})/([0-9]{1,40})\\.crl$");

  private final RepositorySnapshots snapshots;
  private final CertificateLookup certificates;
  private final CrlLookup crls;
  private final PublishedResponder responder;

  public RepositoryHandler(
      RepositorySnapshots snapshots,
      CertificateLookup certificates,
      CrlLookup crls,
      PublishedResponder responder) {
    this.snapshots = snapshots;
    this.certificates = certificates;
    this.crls = crls;
    this.responder = responder;
  }

  /** GET and HEAD for every repository path. */
  public Mono<ServerResponse> serve(ServerRequest request) {
    String path = request.path();
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    RepositorySnapshot snapshot = snapshots.current();
    if (!snapshot.loaded()) {
      return Problems.response(
          ErrorType.NOT_READY, "the repository is loading; retry shortly", path);
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
          // A list the publication hold withholds is not served by its number either.
          .filter(snapshots::exposed)
          .flatMap(
              l ->
                  respond(
                      request,
                      new Published(
                          l.der(),
                          SnapshotBuilder.PKIX_CRL,
                          SnapshotBuilder.etag(l.sha256()),
                          l.thisUpdate(),
                          l.nextUpdate())))
          .switchIfEmpty(notFound(path));
    }
    if (path.startsWith(RepositoryUrls.PREFIX + "/certs/")
        || path.startsWith(RepositoryUrls.PREFIX + "/crl/")
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
    return responder.respond(request, p);
  }
}
