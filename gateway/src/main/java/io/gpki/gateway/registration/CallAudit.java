package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Turns a refused call on the mutual-TLS listener into an audit record and an RFC 9457 problem:
 * 403s are {@code AUTH_FAILURE}, other refusals {@code <type> REJECTED}. A store or signer that
 * cannot answer right now is a 503 with Retry-After (see {@code Problems.of}); other internal
 * errors go to the log and answer a generic 500.
 */
public final class CallAudit {

  private static final Logger LOG = LoggerFactory.getLogger(CallAudit.class);

  private final AuditLog audit;

  public CallAudit(AuditLog audit) {
    this.audit = audit;
  }

  /** The problem response for a failed call, after its audit record is written. */
  public Mono<ServerResponse> refused(ServerRequest request, String type, Throwable e) {
    String path = request.path();
    if (!(e instanceof PkiException p)
        || (p.type().status() >= 500 && p.type() != ErrorType.NOT_IMPLEMENTED)) {
      Problems.Problem problem = Problems.of(e);
      if (problem.status() == 503) {
        // the store or the signer is away: one line per call, not a stack trace each
        LOG.warn(
            "{} {} answered 503 {}: {}",
            request.method(),
            path,
            problem.type().typeUri(),
            e.toString());
      } else {
        LOG.error("{} {} failed", request.method(), path, e);
      }
      return Problems.response(problem.type(), problem.detail(), path);
    }
    boolean auth = p.type() == ErrorType.FORBIDDEN;
    AuditEvent event =
        new AuditEvent(
            auth ? "AUTH_FAILURE" : type,
            OperatorAuthenticator.source(request),
            clientSubject(request),
            path,
            auth ? "DENIED" : "REJECTED",
            p.getMessage());
    return audit
        .append(event)
        .onErrorResume(
            ex -> {
              LOG.error("cannot audit a refused call to {}", path, ex);
              return Mono.empty();
            })
        .then(Problems.response(p.type(), p.getMessage(), path));
  }

  static String clientSubject(ServerRequest request) {
    SslInfo ssl = request.exchange().getRequest().getSslInfo();
    X509Certificate[] peer = ssl == null ? null : ssl.getPeerCertificates();
    return peer == null || peer.length == 0 ? "-" : peer[0].getSubjectX500Principal().getName();
  }
}
