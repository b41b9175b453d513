package io.gpki.gateway.registration;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The mutual-TLS listener for LRAs and operators: a Reactor Netty server of its own (Spring Boot
 * runs one per context), TLS with {@code ClientAuth.REQUIRE} against the trust CA's self-signed
 * certificates, serving a RouterFunction. Who the client is and what it may do is decided per
 * request by {@link OperatorAuthenticator}.
 */
public final class RegistrationListener implements AutoCloseable {

  private volatile @Nullable DisposableServer server;
  private volatile @Nullable FollowingTrust trust;

  /**
   * Starts the listener.
   *
   * @param credential the server's key and chain
   * @param trustAnchors the CA certificates client certificates must chain to
   */
  public Mono<DisposableServer> start(
      String host,
      int port,
      Pkcs12Files.Credential credential,
      List<X509Certificate> trustAnchors,
      RouterFunction<ServerResponse> routes,
      Scheduler blocking) {
    HttpHandler handler =
        RouterFunctions.toHttpHandler(
            routes,
            HandlerStrategies.builder()
                .exceptionHandler(new io.gpki.gateway.web.ProblemErrorHandler())
                .build());
    if (trustAnchors.isEmpty()) {
      return Mono.error(new IllegalStateException("no trust anchors for the LRA listener"));
    }
    return Mono.fromCallable(
            () -> {
              FollowingTrust t = new FollowingTrust(trustAnchors);
              trust = t;
              return SslContextBuilder.forServer(credential.key(), credential.chain())
                  .trustManager(t)
                  .clientAuth(ClientAuth.REQUIRE)
                  .protocols("TLSv1.3", "TLSv1.2")
                  .build();
            })
        .subscribeOn(blocking)
        .flatMap(
            (SslContext ssl) ->
                HttpServer.create()
                    .host(host)
                    .port(port)
                    .secure(spec -> spec.sslContext(ssl))
                    .idleTimeout(java.time.Duration.ofSeconds(60))
                    .handle(new ReactorHttpHandlerAdapter(handler))
                    .bind()
                    .map(DisposableServer.class::cast))
        .doOnNext(s -> server = s);
  }

  /**
   * Trusts client certificates chaining to {@code anchors} from now on (a backup follows the
   * replicated trust CA); whether they changed.
   */
  public boolean updateTrustAnchors(List<X509Certificate> anchors)
      throws java.security.GeneralSecurityException {
    FollowingTrust t = trust;
    return t != null && t.update(anchors);
  }

  /** The bound port, or -1 before start. */
  public int port() {
    DisposableServer s = server;
    return s == null ? -1 : s.port();
  }

  @Override
  public void close() {
    DisposableServer s = server;
    if (s != null) {
      s.disposeNow(java.time.Duration.ofSeconds(5));
    }
  }
}
