package io.gpki.gateway.registration;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A webhook receiver on 127.0.0.1 (Reactor Netty): records every request it gets and answers 503 to
 * the first {@code failFirst} of them, 204 to the rest. Non-blocking, so BlockHound stays quiet.
 */
final class WebhookReceiver implements AutoCloseable {

  /** One received request. */
  record Received(
      String eventId,
      String type,
      long seq,
      int attempt,
      String timestamp,
      String contentType,
      String body,
      int answered,
      long atNanos) {}

  final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  final AtomicInteger failFirst = new AtomicInteger();
  private final AtomicInteger count = new AtomicInteger();
  private final DisposableServer server;

  WebhookReceiver() {
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route(
                r ->
                    r.post(
                        "/hook",
                        (req, res) ->
                            req.receive()
                                .aggregate()
                                .asString(StandardCharsets.US_ASCII)
                                .defaultIfEmpty("")
                                .flatMap(
                                    body -> {
                                      int status =
                                          count.incrementAndGet() <= failFirst.get() ? 503 : 204;
                                      received.add(
                                          new Received(
                                              req.requestHeaders().get(WebhookSender.EVENT_ID),
                                              req.requestHeaders().get(WebhookSender.EVENT_TYPE),
                                              Long.parseLong(
                                                  req.requestHeaders()
                                                      .get(WebhookSender.EVENT_SEQ)),
                                              Integer.parseInt(
                                                  req.requestHeaders().get(WebhookSender.ATTEMPT)),
                                              req.requestHeaders().get(WebhookSender.TIMESTAMP),
                                              req.requestHeaders().get("Content-Type"),
                                              body,
                                              status,
                                              System.nanoTime()));
                                      return res.status(status).send().then();
                                    })
                                .then(Mono.<Void>empty())))
            .bindNow();
  }

  String url() {
    return "http://127.0.0.1:" + server.port() + "/hook";
  }

  /** The requests answered 2xx. */
  List<Received> accepted() {
    return received.stream().filter(r -> r.answered() < 300).toList();
  }

  @Override
  public void close() {
    server.disposeNow();
  }
}
