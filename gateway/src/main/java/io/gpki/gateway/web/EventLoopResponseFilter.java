package io.gpki.gateway.web;

import io.netty.channel.EventLoop;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.NettyInbound;

/**
 * Writes every response on its connection's own event loop, also when the handler answers on another
 * thread (a database or signer thread, e.g. an OCSP cache miss or a certificate read from the store).
 *
 * <p>Why: Reactor Netty 1.3.6 ends a request only in a later event-loop task when its response was
 * written from another thread. A keep-alive client that already has the whole response may send its
 * next request in between; the server then buffers it as pipelined, and if that one is answered at
 * once (a snapshot hit) the connection stops reading: the request after it hangs until the client
 * gives up (reactor/reactor-netty#4361). Written on the loop, the response and the end of the request
 * happen in one task, so nothing is read in between. Errors are handed to the error handler on the
 * loop for the same reason. Requests that already run on their loop are not rescheduled.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class EventLoopResponseFilter implements WebFilter {

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    EventLoop loop = eventLoop(exchange);
    if (loop == null) {
      return chain.filter(exchange); // not served by Reactor Netty (mock exchanges in tests)
    }
    Scheduler onLoop = Schedulers.fromExecutor(loop);
    ServerHttpResponse response =
        new ServerHttpResponseDecorator(exchange.getResponse()) {
          @Override
          public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return onLoop(super.writeWith(body), loop, onLoop);
          }

          @Override
          public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return onLoop(super.writeAndFlushWith(body), loop, onLoop);
          }

          @Override
          public Mono<Void> setComplete() {
            return onLoop(super.setComplete(), loop, onLoop);
          }
        };
    return chain
        .filter(exchange.mutate().response(response).build())
        .onErrorResume(e -> onLoop(Mono.error(e), loop, onLoop));
  }

  /** Subscribes on the loop unless already there (a hop from the loop would reopen the gap). */
  private static Mono<Void> onLoop(Mono<Void> work, EventLoop loop, Scheduler onLoop) {
    return Mono.defer(() -> loop.inEventLoop() ? work : work.subscribeOn(onLoop));
  }

  private static @Nullable EventLoop eventLoop(ServerWebExchange exchange) {
    Object nativeRequest;
    try {
      nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
    } catch (IllegalArgumentException e) {
      return null;
    }
    if (!(nativeRequest instanceof NettyInbound inbound)) {
      return null;
    }
    AtomicReference<@Nullable EventLoop> loop = new AtomicReference<>();
    inbound.withConnection(c -> loop.set(c.channel().eventLoop()));
    return loop.get();
  }
}
