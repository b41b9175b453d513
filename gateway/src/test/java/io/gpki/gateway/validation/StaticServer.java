package io.gpki.gateway.validation;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A tiny HTTP server on 127.0.0.1 (or another loopback address) standing in for an external CA's
 * repository and OCSP responder.
 */
final class StaticServer implements AutoCloseable {

  final Map<String, byte[]> files = new ConcurrentHashMap<>();
  final Map<String, UnaryOperator<byte[]>> posts = new ConcurrentHashMap<>();

  /** Path to the Location a 302 answer names. */
  final Map<String, String> redirects = new ConcurrentHashMap<>();

  final AtomicInteger requests = new AtomicInteger();

  /** The Host header of every request, in order. */
  final java.util.List<String> hosts = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Answer with {@code Connection: close}, so that every fetch opens (and resolves for) a new
   * connection.
   */
  volatile boolean closeConnections;

  private final HttpServer server;

  StaticServer() throws IOException {
    this("127.0.0.1", 0);
  }

  StaticServer(String address, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(address, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          hosts.add(String.valueOf(ex.getRequestHeaders().getFirst("Host")));
          if (closeConnections) {
            ex.getResponseHeaders().set("Connection", "close");
          }
          byte[] body;
          String path = ex.getRequestURI().getPath();
          if (redirects.containsKey(path)) {
            ex.getResponseHeaders().set("Location", redirects.get(path));
            ex.sendResponseHeaders(302, -1);
            ex.close();
            return;
          }
          if ("POST".equals(ex.getRequestMethod()) && posts.containsKey(path)) {
            body = posts.get(path).apply(ex.getRequestBody().readAllBytes());
          } else {
            body = files.get(path);
          }
          if (body == null) {
            ex.sendResponseHeaders(404, -1);
          } else {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          }
          ex.close();
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
