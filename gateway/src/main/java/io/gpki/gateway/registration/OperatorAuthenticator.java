package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.ca.Certificates;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.LraRecord;
import io.gpki.sync.LraRegistry;
import io.gpki.sync.OperatorRecord;
import java.net.InetSocketAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Authenticates a caller of the mutual-TLS listener: the TLS client certificate (already chained to
 * the trusted CA by the handshake) must belong to a registered, enabled operator, be within its
 * validity and not revoked in our store, the request must be signed with that same certificate, and
 * the source address must be on the LRA's allowlist. When the validation service is there, the
 * client certificate must also validate to the LRA trust anchor (RFC 5280 path, revocation from our
 * CRLs and responder); anything but VALID is refused (fail closed).
 */
public final class OperatorAuthenticator {

  /**
   * An authenticated caller.
   *
   * @param operator the operator
   * @param lra the operator's LRA, or {@code null} for CA-side operators
   * @param source the remote address
   */
  public record Caller(OperatorRecord operator, @Nullable LraRecord lra, String source) {}

  /** Validates an operator's certificate: empty when it is valid, else why not. */
  @FunctionalInterface
  public interface CertificateCheck {
    /** Empty when {@code der} validates now, else a short reason. */
    Mono<String> problem(byte[] der);
  }

  private final LraRegistry lras;
  private final CertificateLookup certificates;
  private final Clock clock;
  private final @Nullable CertificateCheck check;

  /**
   * Direct checks only (validity, store revocation), for deployments without the validation
   * service.
   */
  public OperatorAuthenticator(LraRegistry lras, CertificateLookup certificates, Clock clock) {
    this(lras, certificates, clock, null);
  }

  /** Direct checks, then {@code check} (the validation engine) on the client certificate. */
  public OperatorAuthenticator(
      LraRegistry lras,
      CertificateLookup certificates,
      Clock clock,
      @Nullable CertificateCheck check) {
    this.lras = lras;
    this.certificates = certificates;
    this.clock = clock;
    this.check = check;
  }

  /** Authenticates the caller of a signed request. */
  public Mono<Caller> authenticate(
      ServerRequest request, SignedRequests.@Nullable Verified signed) {
    String source = source(request);
    SslInfo ssl = request.exchange().getRequest().getSslInfo();
    X509Certificate[] peer = ssl == null ? null : ssl.getPeerCertificates();
    if (peer == null || peer.length == 0) {
      return deny("no TLS client certificate");
    }
    byte[] der;
    try {
      der = peer[0].getEncoded();
    } catch (CertificateEncodingException e) {
      return deny("unreadable client certificate");
    }
    Instant now = clock.instant();
    if (now.isBefore(peer[0].getNotBefore().toInstant())
        || now.isAfter(peer[0].getNotAfter().toInstant())) {
      return deny("client certificate outside its validity");
    }
    if (signed != null && !Arrays.equals(encoded(signed.signer()), der)) {
      return deny("request signed with another certificate than the TLS client's");
    }
    byte[] sha = Certificates.digest("SHA-256", der);
    Mono<Caller> caller =
        lras.operatorByCertificate(sha)
            .switchIfEmpty(Mono.defer(() -> deny("certificate of no registered operator")))
            .flatMap(op -> checkOperator(op, source));
    if (check == null) {
      return caller;
    }
    return caller.flatMap(
        c ->
            check
                .problem(der)
                .flatMap(why -> deny("client certificate does not validate: " + why))
                .then(Mono.just(c)));
  }

  private Mono<Caller> checkOperator(OperatorRecord op, String source) {
    if (!op.enabled()) {
      return deny("operator disabled");
    }
    return certificates
        .find(op.certIssuerCaId(), op.certSerialHex())
        .switchIfEmpty(Mono.defer(() -> deny("operator certificate not in the repository")))
        .flatMap(
            cert -> {
              if (cert.revoked()) {
                return deny("operator certificate revoked");
              }
              if (op.lraId() == null) {
                return Mono.just(new Caller(op, null, source));
              }
              return lras.lra(op.lraId())
                  .switchIfEmpty(Mono.defer(() -> deny("operator's LRA not registered")))
                  .flatMap(
                      lra ->
                          SourceAllowlist.allows(lra.allowedSources(), source)
                              ? Mono.just(new Caller(op, lra, source))
                              : deny("source address not on the LRA's allowlist"));
            });
  }

  private static <T> Mono<T> deny(String reason) {
    // Audited by the handler, which audits every refused request (CallAudit).
    return Mono.error(new PkiException(ErrorType.FORBIDDEN, "authentication: " + reason));
  }

  static String source(ServerRequest request) {
    InetSocketAddress remote = request.exchange().getRequest().getRemoteAddress();
    return remote == null || remote.getAddress() == null
        ? "unknown"
        : remote.getAddress().getHostAddress();
  }

  private static byte[] encoded(X509CertificateHolder h) {
    try {
      return h.getEncoded();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A short id of a certificate for logs: the first bytes of its SHA-256. */
  static String shortId(byte[] sha256) {
    return HexFormat.of().formatHex(sha256, 0, 8);
  }
}
