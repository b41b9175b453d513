package io.gpki.gateway.web;

import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gpki.gateway.testing.GatewayTestSupport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Issue 16 (4, 6), against the running gateway over raw sockets: a stalled request body answers a
 * 408 problem and the connection closes (on the fast path and on WebFlux); a bad chunk size is
 * Reactor Netty's 400 and nothing logs a 500; a malformed percent escape, a wrong method and an
 * unknown path answer problems (400, 405 with Allow, 404).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.repository.http.read-timeout=1s",
      "gpki.crl.period=1h",
      "gpki.crl.validity=2h"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestErrorsIT {

  private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    GatewayTestSupport.register(registry);
  }

  @LocalServerPort int port;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger errorHandler = (Logger) LoggerFactory.getLogger(ProblemErrorHandler.class);

  @BeforeAll
  void ready() throws InterruptedException {
    WebTestClient http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(120));
    logs.start();
    root.addAppender(logs);
    errorHandler.setLevel(Level.DEBUG);
  }

  @AfterAll
  void detach() {
    root.detachAppender(logs);
    errorHandler.setLevel(null);
  }

  static Stream<Arguments> stalledBodies() {
    return Stream.of(
        Arguments.of("fast path (held body)", "/api/v1/validations", ""),
        Arguments.of("WebFlux", "/api/v1/validations/batch", "Content-Type: application/json\r\n"));
  }

  @ParameterizedTest(name = "408/{0}")
  @MethodSource("stalledBodies")
  void aStalledBodyAnswers408AndClosesTheConnection(String route, String path, String extraHeaders)
      throws Exception {
    String request =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: x\r\n"
            + extraHeaders
            + "Content-Length: 100\r\n\r\n{}";
    int before = logs.list.size();
    long began = System.nanoTime();
    Answer a = exchange(request, Duration.ofSeconds(20));
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    assertThat(a.closed).as("connection closed").isTrue();
    assertThat(a.text).startsWith("HTTP/1.1 408 ");
    assertThat(a.text.toLowerCase(java.util.Locale.ROOT))
        .contains("content-type: application/problem+json")
        .contains("connection: close");
    assertThat(a.text)
        .contains("\"type\":\"urn:gpki:problem:request-timeout\"")
        .doesNotContain("internal");
    assertThat(took).isGreaterThanOrEqualTo(READ_TIMEOUT).isLessThan(Duration.ofSeconds(15));
    assertThat(since(before)).doesNotContain("onErrorDropped").doesNotContain("500 Server Error");
  }

  @Test
  void aBadChunkSizeIsA400AndLogsNoServerError() throws Exception {
    int before = logs.list.size();
    Answer a =
        exchange(
            "POST /api/v1/validations/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n",
            Duration.ofSeconds(20));
    assertThat(a.text).startsWith("HTTP/1.1 400 ");
    assertThat(a.closed).isTrue();
    // The handler still runs on what arrived and then finds the answer already sent; wait for that.
    await(
        "the handler to finish",
        () -> since(before).contains("the server already answered"),
        Duration.ofSeconds(20));
    assertThat(since(before).lines().filter(l -> l.startsWith("ERROR")))
        .noneMatch(l -> l.contains("already sent") || l.contains("500 Server Error"));
  }

  @Test
  void aMalformedPercentEscapeIsA400Problem() throws Exception {
    Answer a =
        exchange(
            "GET /crls/search.cgi?iHash=%%%%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            Duration.ofSeconds(20));
    assertThat(a.text).startsWith("HTTP/1.1 400 ");
    assertThat(a.text)
        .contains("\"type\":\"urn:gpki:problem:bad-request\"")
        .contains("malformed request target");
  }

  @Test
  void aWrongMethodIsA405ProblemWithAllow() throws Exception {
    Answer a =
        exchange(
            "GET /api/v1/validations HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration.ofSeconds(20));
    assertThat(a.text).startsWith("HTTP/1.1 405 ");
    assertThat(a.text.toLowerCase(java.util.Locale.ROOT)).contains("allow: post");
    assertThat(a.text).contains("\"type\":\"urn:gpki:problem:method-not-allowed\"");
    Answer crl =
        exchange(
            "DELETE /repository/crl/osca.crl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration.ofSeconds(20));
    assertThat(crl.text).startsWith("HTTP/1.1 405 ");
    assertThat(crl.text.toLowerCase(java.util.Locale.ROOT)).contains("allow: get, head");
  }

  @Test
  void anUnknownPathIsA404Problem() throws Exception {
    Answer a =
        exchange(
            "GET /no/such/thing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration.ofSeconds(20));
    assertThat(a.text).startsWith("HTTP/1.1 404 ");
    assertThat(a.text).contains("\"type\":\"urn:gpki:problem:not-found\"");
  }

  @Test
  void aMalformedDnNamesTheReason() throws Exception {
    Answer a =
        exchange(
            "GET /ldap/foo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration.ofSeconds(20));
    assertThat(a.text).startsWith("HTTP/1.1 400 ");
    assertThat(a.text)
        .contains("malformed DN: ")
        .doesNotContain("malformed DN: null")
        .contains("equal sign");
  }

  private String since(int index) {
    StringBuilder sb = new StringBuilder();
    for (ILoggingEvent e : logs.list.subList(index, logs.list.size())) {
      sb.append(e.getLevel()).append(' ').append(e.getFormattedMessage());
      if (e.getThrowableProxy() != null) {
        sb.append(" | ").append(e.getThrowableProxy().getMessage());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private record Answer(String text, boolean closed) {}

  /** Sends {@code request} and reads until the server closes or {@code limit} passes. */
  private Answer exchange(String request, Duration limit) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      s.setSoTimeout(100);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      long deadline = System.nanoTime() + limit.toNanos();
      byte[] buffer = new byte[8192];
      while (System.nanoTime() < deadline) {
        try {
          int n = in.read(buffer);
          if (n < 0) {
            return new Answer(got.toString(StandardCharsets.ISO_8859_1), true);
          }
          got.write(buffer, 0, n);
        } catch (SocketTimeoutException e) {
          // nothing yet; keep reading until the deadline
        }
      }
      return new Answer(got.toString(StandardCharsets.ISO_8859_1), false);
    }
  }
}
