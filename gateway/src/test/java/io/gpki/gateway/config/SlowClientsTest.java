package io.gpki.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.repository.RepositoryProperties;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Slow clients cannot hold a connection: the server the gateway configures (the {@code
 * repositoryReadTimeouts} customizer plus {@code server.netty.idle-timeout}, here with short
 * values) closes a connection that trickles its request headers (idle timeout: the header block
 * must be complete within it, however often bytes arrive), pauses inside its body (read timeout),
 * or trickles its body (request timeout), each by that limit and not another.
 */
class SlowClientsTest {

  private static final Duration IDLE = Duration.ofSeconds(1);
  private static final Duration READ = Duration.ofSeconds(1);
  private static final Duration REQUEST = Duration.ofSeconds(2);

  private DisposableServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.disposeNow(Duration.ofSeconds(5));
    }
  }

  static Stream<Arguments> clients() {
    return Stream.of(
        // header lines keep coming, each well within the read timeout, but the header block never
        // ends
        Arguments.of(
            "closed/headers trickled past the idle timeout",
            "GET /x HTTP/1.1\r\nHost: a\r\n",
            "X-Slow: 1\r\n",
            300L,
            IDLE,
            IDLE),
        // complete headers, a few body bytes, then silence
        Arguments.of(
            "closed/body paused longer than the read timeout",
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n0123456789",
            "",
            60_000L,
            Duration.ofSeconds(30),
            READ),
        // a body byte every 300 ms: never a pause over the read timeout, but the request takes too
        // long
        Arguments.of(
            "closed/body trickled past the request timeout",
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n",
            "a",
            300L,
            Duration.ofSeconds(30),
            REQUEST));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void theServerClosesTheConnectionWithinItsLimit(
      String outcome, String start, String trickle, long pauseMillis, Duration idle, Duration limit)
      throws Exception {
    RepositoryProperties props =
        new RepositoryProperties(
            false,
            100,
            2048,
            1024,
            new RepositoryProperties.Http(4, 4, Duration.ofSeconds(1), READ, REQUEST, true),
            new RepositoryProperties.Ldap(
                false,
                "127.0.0.1",
                0,
                "localhost",
                4,
                1,
                Duration.ofMillis(50),
                Duration.ofSeconds(60),
                65536));
    HttpServer base =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .idleTimeout(idle)
            .handle(
                (req, res) ->
                    res.sendString(
                        req.receive().aggregate().asString().map(b -> "got " + b.length())));
    server = new RepositoryInterfacesConfig().repositoryReadTimeouts(props).apply(base).bindNow();
    long began = System.nanoTime();
    boolean closed = false;
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(50);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(start.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long deadline = began + limit.plusSeconds(4).toNanos();
      long nextWrite = System.nanoTime() + pauseMillis * 1_000_000;
      while (!closed && System.nanoTime() < deadline) {
        if (!trickle.isEmpty() && System.nanoTime() >= nextWrite) {
          try {
            out.write(trickle.getBytes(StandardCharsets.US_ASCII));
            out.flush();
          } catch (IOException e) {
            closed = true; // reset by the server
          }
          nextWrite = System.nanoTime() + pauseMillis * 1_000_000;
        }
        try {
          int b = in.read();
          if (b == -1) {
            closed = true;
          } else {
            answer.write(b);
          }
        } catch (SocketTimeoutException e) {
          // nothing yet
        } catch (IOException e) {
          closed = true;
        }
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    assertThat(closed)
        .as("closed; answer so far: " + answer.toString(StandardCharsets.US_ASCII))
        .isTrue();
    assertThat(took)
        .isGreaterThanOrEqualTo(limit.minus(limit.dividedBy(4)))
        .isLessThan(limit.plusSeconds(2));
    assertThat(answer.toString(StandardCharsets.US_ASCII)).doesNotContain("got ");
  }
}
