package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A keep-alive client (one request at a time, as WebTestClient and OCSP clients do) alternating
 * answers from another thread with immediate ones must get every answer. On Reactor Netty 1.3.6 one
 * request in a few dozen hung (reactor/reactor-netty#4361; this test failed 3 runs of 3 there) and
 * the gateway needed a filter that moved every response onto the event loop; 1.3.8 fixes it (the
 * root pom pins it), and this test keeps the fix from regressing with a later upgrade.
 */
class KeepAliveRegressionTest {

  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow(Duration.ofSeconds(5));
    }
  }

  @Test
  void keepAliveRequestsAfterAnswersFromOtherThreadsAllGetAnswers() throws Exception {
    AtomicReference<String> slowWriter = new AtomicReference<>();
    WebHandler handler =
        exchange -> {
          boolean slow = exchange.getRequest().getPath().value().equals("/slow");
          // /slow answers from a parallel thread (like a database or signer result), /fast at once.
          Mono<byte[]> body =
              slow
                  ? Mono.fromCallable(() -> "slow".getBytes(StandardCharsets.US_ASCII))
                      .subscribeOn(Schedulers.parallel())
                  : Mono.just("fast".getBytes(StandardCharsets.US_ASCII));
          return body.flatMap(
              b -> {
                if (slow) {
                  slowWriter.set(Thread.currentThread().getName());
                }
                exchange.getResponse().getHeaders().setContentLength(b.length);
                return exchange
                    .getResponse()
                    .writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap(b)));
              });
        };
    HttpHandler http =
        WebHttpHandlerBuilder.webHandler(handler)
            // Built here: its codec defaults are read from the class path (BlockHound: not on a
            // loop).
            .codecConfigurer(ServerCodecConfigurer.create())
            .build();
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(new ReactorHttpHandlerAdapter(http))
            .bindNow(Duration.ofSeconds(10));

    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(3000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 100; i++) {
        for (String path : new String[] {"/slow", "/fast", "/fast"}) {
          out.write(
              ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          assertThat(body(in)).as("round %d %s", i, path).isEqualTo(path.substring(1));
        }
      }
    }
    assertThat(slowWriter.get()).startsWith("parallel-");
  }

  /** Reads one HTTP/1.1 response with a Content-Length and returns its body. */
  private static String body(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      head.write(b);
    }
    int length = 0;
    for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
  }
}
