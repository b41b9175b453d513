package io.gpki.gateway.validation;

import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * An HTTPS listener (Reactor Netty) serving the validation routes with the service's TLS
 * credential.
 */
public final class TlsListener {

  private TlsListener() {}

  /** Binds {@code routes} on {@code port} over TLS. */
  public static Mono<? extends DisposableServer> start(
      ServiceCredentials.Credential tls, RouterFunction<ServerResponse> routes, int port) {
    // Building the SSL context reads the JDK's default trust store from disk: off the event loop.
    return Mono.fromCallable(
            () ->
                SslContextBuilder.forServer(tls.key(), tls.chain().toArray(new X509Certificate[0]))
                    .build())
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(
            ssl ->
                HttpServer.create()
                    .port(port)
                    .secure(spec -> spec.sslContext(ssl))
                    .handle(new ReactorHttpHandlerAdapter(RouterFunctions.toHttpHandler(routes)))
                    .bind());
  }
}
