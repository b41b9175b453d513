package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.test.StepVerifier;

/**
 * The fast path in front of a real Reactor Netty server: answers what its route knows, leaves the
 * rest to the server's handler, keeps HTTP/1.1 answers in request order when requests are pipelined
 * (a hit behind a request the server still works on waits for the server), and keeps HEAD and
 * keep-alive working for both kinds of answers.
 */
class FastPathTest {

  private static final byte[] FAST = "fast-answer".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LATER = "later-answer".getBytes(StandardCharsets.US_ASCII);

  /** A large body sent with sendfile from a shared file (a CRL with many entries, say). */
  private static final byte[] LARGE = new byte[300_000];

  static {
    new java.util.Random(7).nextBytes(LARGE);
  }

  private SharedFile largeFile;

  private final List<Long> written = new CopyOnWriteArrayList<>();

  /** Opens the answers worked out off the loop ({@code POST /later}). */
  private final Sinks.Empty<Void> laterGate = Sinks.empty();

  /** Completes when the work for a {@code hold-me} request is cancelled. */
  private final Sinks.Empty<Void> holdCancelled = Sinks.empty();

  private final List<String> slowSeen = new CopyOnWriteArrayList<>();
  private DisposableServer server;

  @BeforeEach
  void start() {
    start(true);
  }

  private void start(boolean autoRead) {
    if (server != null) {
      server.disposeNow(Duration.ofSeconds(5));
    }
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    headers.set(HttpHeaderNames.CONTENT_LENGTH, FAST.length);
    headers.set("X-Answered-By", "fast-path");
    FastPath.Answer answer =
        new FastPath.Answer(HttpResponseStatus.OK, headers, FastPath.shared(FAST), written::add);
    HttpHeaders laterHeaders = new DefaultHttpHeaders();
    laterHeaders.set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    laterHeaders.set(HttpHeaderNames.CONTENT_LENGTH, LATER.length);
    laterHeaders.set("X-Answered-By", "fast-path-later");
    FastPath.Answer laterAnswer =
        new FastPath.Answer(
            HttpResponseStatus.OK, laterHeaders, FastPath.shared(LATER), written::add);
    FastPath.Route route =
        new FastPath.Route() {
          @Override
          public boolean acceptsBody(String uri) {
            return uri.equals("/echo") || uri.equals("/later");
          }

          @Override
          public Mono<FastPath.Answer> answerLater(
              HttpMethod method, String uri, ByteBuf body, long arrival) {
            if (!uri.equals("/later")) {
              return null;
            }
            // Decided off the event loop, after the test opens the gate: an answer, a hand-on, or
            // never.
            String text = body.toString(StandardCharsets.US_ASCII);
            if (text.equals("hold-me")) {
              return Mono.<FastPath.Answer>never().doOnCancel(holdCancelled::tryEmitEmpty);
            }
            return laterGate
                .asMono()
                .publishOn(Schedulers.parallel())
                .then(Mono.fromSupplier(() -> text.equals("later-me") ? laterAnswer : null));
          }

          @Override
          public FastPath.Answer answer(HttpMethod method, String uri, ByteBuf body, long arrival) {
            if (uri.equals("/echo")
                && body.toString(StandardCharsets.US_ASCII).equals("answer-me")) {
              return answer;
            }
            return uri.equals("/fast") && !HttpMethod.POST.equals(method) ? answer : null;
          }
        };
    HttpHeaders largeHeaders = new DefaultHttpHeaders();
    largeHeaders.set(HttpHeaderNames.CONTENT_TYPE, "application/pkix-crl");
    largeHeaders.set(HttpHeaderNames.CONTENT_LENGTH, LARGE.length);
    FastPath.Answer large =
        new FastPath.Answer(
            HttpResponseStatus.OK,
            largeHeaders,
            FastPath.shared(LARGE),
            written::add,
            () -> largeFile);
    FastPath.Route files = (method, uri, body, arrival) -> uri.equals("/large") ? large : null;
    List<FastPath.Route> routes = List.of(route, files);
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .childOption(ChannelOption.AUTO_READ, autoRead)
            .doOnChannelInit(
                (observer, channel, remote) -> FastPath.install(channel.pipeline(), routes))
            .handle(
                (request, response) -> {
                  slowSeen.add(request.method() + " " + request.uri());
                  // The slow side answers late and from another thread, like a store read; it
                  // echoes
                  // a POST body.
                  Mono<String> received =
                      request.method().equals(HttpMethod.POST)
                          ? request.receive().aggregate().asString().map(b -> ":" + b)
                          : Mono.just("");
                  Mono<String> body =
                      received
                          .delayElement(Duration.ofMillis(request.uri().equals("/slow") ? 100 : 1))
                          .map(b -> "slow:" + request.uri() + b);
                  return response.header("X-Answered-By", "webflux").sendString(body);
                })
            .bindNow(Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    server.disposeNow(Duration.ofSeconds(5));
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderAndTheFastOnesNeverReachTheServer() throws IOException {
    try (Socket socket = connect()) {
      // One write: a fast hit, a slow request, then a fast hit that must not overtake the slow
      // answer
      // (it waits its turn with the server), then another slow one.
      send(
          socket,
          "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
      InputStream in = socket.getInputStream();
      assertThat(read(in, false).body).isEqualTo("fast-answer");
      assertThat(read(in, false).body).isEqualTo("slow:/slow");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      assertThat(read(in, false).body).isEqualTo("slow:/other");

      // Keep-alive, one at a time: the fast path answers; HEAD gets headers only and the connection
      // stays in step (the codec's HEAD bookkeeping is not skewed by answers it did not see).
      for (int i = 0; i < 20; i++) {
        send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
        Response r = read(in, false);
        assertThat(r.body).isEqualTo("fast-answer");
        assertThat(r.header("x-answered-by")).isEqualTo("fast-path");
        send(socket, "HEAD /fast HTTP/1.1\r\nHost: t\r\n\r\n");
        Response head = read(in, true);
        assertThat(head.header("content-length")).isEqualTo(String.valueOf(FAST.length));
        assertThat(head.body).isEmpty();
        send(socket, "HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(read(in, true).header("x-answered-by")).isEqualTo("webflux");
        send(socket, "GET /y HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(read(in, false).body).isEqualTo("slow:/y");
      }
    }
    assertThat(slowSeen).containsOnlyOnce("GET /fast").doesNotContain("HEAD /fast");
    assertThat(written).hasSize(1 + 2 * 20).allMatch(nanos -> nanos >= 0);
  }

  @ParameterizedTest(name = "auto-read {0}")
  @ValueSource(booleans = {true, false})
  void aConnectionWhoseRequestsAllGoFastKeepsReading(boolean autoRead) throws IOException {
    // Reactor Netty reads on demand when auto-read is off; requests it never sees must not stall
    // it.
    start(autoRead);
    try (Socket socket = connect()) {
      for (int i = 0; i < 50; i++) {
        send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(read(socket.getInputStream(), false).body)
            .as("request %d", i)
            .isEqualTo("fast-answer");
      }
    }
    assertThat(slowSeen).isEmpty();
  }

  @ParameterizedTest(name = "auto-read {0}")
  @ValueSource(booleans = {true, false})
  void answersWorkedOutOffTheLoopKeepTheirPlaceAndDeclinedOnesReachTheServer(boolean autoRead)
      throws IOException {
    start(autoRead);
    try (Socket socket = connect()) {
      InputStream in = socket.getInputStream();
      // An answer worked out later, with a fast hit and a slow request pipelined behind it: both
      // wait.
      send(
          socket,
          "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\nlater-me"
              + "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /other HTTP/1.1\r\nHost: t\r\n\r\n");
      laterGate.tryEmitEmpty();
      assertThat(read(in, false).body).isEqualTo("later-answer");
      assertThat(read(in, false).body).isEqualTo("fast-answer");
      assertThat(read(in, false).body).isEqualTo("slow:/other");
      // Declined off the loop: the server gets the request with its body, and the connection stays
      // in step.
      send(socket, "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\ndecline!");
      assertThat(read(in, false).body).isEqualTo("slow:/later:decline!");
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("fast-answer");
      // Keep-alive: the connection goes on reading after answers written from another thread.
      for (int i = 0; i < 20; i++) {
        send(socket, "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\nlater-me");
        Response r = read(in, false);
        assertThat(r.body).as("request %d", i).isEqualTo("later-answer");
        assertThat(r.header("x-answered-by")).isEqualTo("fast-path-later");
      }
    }
    assertThat(slowSeen).containsExactly("GET /other", "POST /later");
  }

  @Test
  void aConnectionThatClosesCancelsTheWorkOnItsAnswer() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "POST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\nhold-me");
    }
    // Cancelling is what gives an admission slot back (ValidationAdmission).
    StepVerifier.create(holdCancelled.asMono()).expectComplete().verify(Duration.ofSeconds(10));
    assertThat(slowSeen).isEmpty();
  }

  @Test
  void largeBodiesGoOutFromTheSharedFileAndFromTheBufferOnceTheFileIsReleased() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fastpath-test");
    largeFile = SharedFile.create(dir, LARGE);
    assertThat(dir).isEmptyDirectory(); // unlinked at once; the open descriptor keeps the bytes
    try (Socket a = connect();
        Socket b = connect()) {
      for (int i = 0; i < 10; i++) {
        for (Socket s : List.of(a, b)) {
          send(s, "GET /large HTTP/1.1\r\nHost: t\r\n\r\n");
          assertThat(readBytes(s.getInputStream())).as("round %d", i).isEqualTo(LARGE);
        }
        send(a, "HEAD /large HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(read(a.getInputStream(), true).header("content-length"))
            .isEqualTo(String.valueOf(LARGE.length));
      }
      largeFile.release(); // the owner lets go (a new snapshot): regions stop, the buffer serves
      assertThat(largeFile.region()).isNull();
      send(a, "GET /large HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(readBytes(a.getInputStream())).isEqualTo(LARGE);
    }
    assertThat(slowSeen).isEmpty();
  }

  private static byte[] readBytes(InputStream in) throws IOException {
    List<String> headers = new ArrayList<>();
    assertThat(line(in)).startsWith("HTTP/1.1 200");
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      headers.add(l);
    }
    return in.readNBytes(Integer.parseInt(new Response(headers, "").header("content-length")));
  }

  @Test
  void smallPostsARouteAcceptsAreAnsweredOthersReachTheServerWithTheirBody() throws IOException {
    try (Socket socket = connect()) {
      InputStream in = socket.getInputStream();
      // The body arrives in two TCP segments; the route sees it whole.
      send(socket, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nanswer");
      send(socket, "-me");
      assertThat(read(in, false).header("x-answered-by")).isEqualTo("fast-path");
      // A body the route declines goes to the server intact, and the connection stays in step.
      send(
          socket,
          "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n\r\nnot-me!"
              + "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("slow:/echo:not-me!");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("fast-answer");
      // Bodies over the limit are never held.
      String big = "x".repeat(FastPath.MAX_BODY + 1);
      send(
          socket,
          "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + big.length() + "\r\n\r\n" + big);
      assertThat(read(in, false).body).isEqualTo("slow:/echo:" + big);
    }
  }

  @Test
  void conditionalClosingAndBodyRequestsGoToTheServer() throws IOException {
    try (Socket socket = connect()) {
      InputStream in = socket.getInputStream();
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"x\"\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      send(socket, "POST /fast HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
      assertThat(read(in, false).body).isEqualTo("slow:/fast:abc");
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
      assertThat(read(in, false).header("x-answered-by")).isEqualTo("fast-path");
      send(socket, "GET /fast HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      assertThat(in.read()).as("closed after Connection: close").isEqualTo(-1);
    }
    try (Socket socket = connect()) {
      send(socket, "GET /fast HTTP/1.0\r\nHost: t\r\n\r\n");
      assertThat(read(socket.getInputStream(), false).body).isEqualTo("slow:/fast");
    }
    assertThat(slowSeen).hasSize(5);
  }

  /**
   * A request that ends the connection, arriving while the server side has written its previous
   * answer but not yet ended that exchange (Reactor Netty 1.3.8 then queued it and never answered).
   * Timing-dependent, so repeated: about one try in a hundred hit the window before the fix.
   */
  @RepeatedTest(100)
  void aClosingRequestRightAfterAServerAnswerIsAnswered() throws IOException {
    try (Socket socket = connect()) {
      InputStream in = socket.getInputStream();
      send(socket, "POST /fast HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
      assertThat(read(in, false).body).isEqualTo("slow:/fast:abc");
      send(
          socket,
          "GET /fast HTTP/1.1\r\nHost: t\r\n\r\n"
              + "GET /fast HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      assertThat(read(in, false).header("x-answered-by")).isEqualTo("fast-path");
      assertThat(read(in, false).body).isEqualTo("slow:/fast");
      assertThat(in.read()).as("closed after Connection: close").isEqualTo(-1);
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    socket.setSoTimeout(5000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private record Response(List<String> headers, String body) {
    String header(String name) {
      for (String h : headers) {
        if (h.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
          return h.substring(h.indexOf(':') + 1).trim();
        }
      }
      return null;
    }
  }

  /** Reads one response: Content-Length or chunked bodies (none for HEAD). */
  private static Response read(InputStream in, boolean head) throws IOException {
    List<String> headers = new ArrayList<>();
    String status = line(in);
    assertThat(status).startsWith("HTTP/1.");
    for (String l = line(in); !l.isEmpty(); l = line(in)) {
      headers.add(l);
    }
    Response r = new Response(headers, "");
    if (head) {
      return r;
    }
    String length = r.header("content-length");
    if (length != null) {
      return new Response(
          headers, new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.US_ASCII));
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = Integer.parseInt(line(in), 16);
        size > 0;
        size = Integer.parseInt(line(in), 16)) {
      body.write(in.readNBytes(size));
      line(in);
    }
    line(in);
    return new Response(headers, body.toString(StandardCharsets.US_ASCII));
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }
}
