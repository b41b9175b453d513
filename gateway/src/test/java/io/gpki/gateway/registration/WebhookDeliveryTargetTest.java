package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.gpki.gateway.net.TargetResolver;
import io.gpki.sync.OutboxEvent;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Webhook delivery connects only to a checked address of the URL's host: a name that resolves to
 * loopback, link-local or unspecified is undeliverable before any connection (a real listener, the
 * trap, must see none), with the same answer for open and closed ports (issue #16, item 5).
 */
class WebhookDeliveryTargetTest {

  /**
   * Generous: the first call in a JVM also builds event loops and the TLS context (slow on a busy
   * CI).
   */
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final String REFUSED =
      "webhook URL must not name a loopback, link-local, unspecified or multicast host";

  private ServerSocketChannel trap;

  @BeforeEach
  void openTrap() throws IOException {
    trap = ServerSocketChannel.open();
    trap.bind(new InetSocketAddress("127.0.0.1", 0), 50);
    trap.configureBlocking(false);
  }

  @AfterEach
  void closeTrap() throws IOException {
    trap.close();
  }

  /** Connections that reached the trap (a connect completes in the kernel before accept). */
  private int trapped() throws IOException {
    int n = 0;
    for (SocketChannel s = trap.accept(); s != null; s = trap.accept()) {
      s.close();
      n++;
    }
    return n;
  }

  private static InetAddress ip(String literal) {
    try {
      if (literal.equals("::ffff:127.0.0.1")) { // kept IPv6 (getByName would turn it into IPv4)
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        b[12] = 127;
        b[15] = 1;
        return Inet6Address.getByAddress(null, b, -1);
      }
      return InetAddress.getByName(literal); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A resolver with one answer per name; counts lookups. */
  private static TargetResolver dns(Map<String, String> names, AtomicInteger lookups) {
    Map<String, InetAddress> parsed = new java.util.HashMap<>();
    names.forEach((n, a) -> parsed.put(n, ip(a)));
    return host -> {
      lookups.incrementAndGet();
      InetAddress a = parsed.get(host);
      return a == null ? Mono.error(new UnknownHostException(host)) : Mono.just(List.of(a));
    };
  }

  private static WebhookSender sender(boolean allowHttp, TargetResolver dns) {
    // Outbox and signer are not used by post(..).
    return new WebhookSender(
        null,
        null,
        CircuitBreakerRegistry.ofDefaults(),
        Duration.ofSeconds(10),
        allowHttp,
        Clock.systemUTC(),
        dns);
  }

  private static OutboxEvent event() {
    Instant now = Instant.now();
    return new OutboxEvent(
        "ev-1",
        1,
        OutboxEvent.Channel.WEBHOOK,
        "lra-1",
        "issued",
        null,
        null,
        "{}",
        OutboxEvent.State.PENDING,
        0,
        now,
        now,
        null,
        null);
  }

  private static Mono<Void> post(WebhookSender s, String url) {
    return s.post(url, event(), Instant.now(), 1, "e30.e30.sig");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "undeliverable/loopback, 127.0.0.1",
    "undeliverable/IPv6 loopback, ::1",
    "undeliverable/IPv4-mapped loopback, ::ffff:127.0.0.1",
    "undeliverable/unspecified, 0.0.0.0",
    "undeliverable/link-local metadata, 169.254.169.254",
    "undeliverable/multicast, 224.0.0.1",
  })
  void namesResolvingInwardAreUndeliverableWithoutAConnection(String outcome, String address)
      throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    WebhookSender s = sender(false, dns(Map.of("lra.example", address), lookups));
    StepVerifier.create(post(s, "https://lra.example:" + trap.socket().getLocalPort() + "/hook"))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(NotificationSender.Undeliverable.class)
                    .hasMessage(REFUSED))
        .verify(WAIT);
    assertThat(trapped()).as(outcome).isZero();
    assertThat(lookups).hasValue(1);
  }

  @Test
  void openAndClosedPortsGetTheSameAnswer() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, ip("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    WebhookSender s = sender(false, dns(Map.of("lra.example", "127.0.0.1"), new AtomicInteger()));
    // Warm-up (event loops, TLS context), so that the timed calls below measure the refusal alone.
    StepVerifier.create(post(s, "https://lra.example:" + closed + "/hook"))
        .expectError()
        .verify(WAIT);
    List<String> answers = new ArrayList<>();
    for (int port : new int[] {trap.socket().getLocalPort(), closed}) {
      StepVerifier.create(post(s, "https://lra.example:" + port + "/hook"))
          .expectErrorSatisfies(
              e -> answers.add(e.getClass().getSimpleName() + ": " + e.getMessage()))
          .verify(
              Duration.ofSeconds(3)); // far within the 10 s timeout: nothing waited on a connection
    }
    assertThat(answers).containsExactly("Undeliverable: " + REFUSED, "Undeliverable: " + REFUSED);
    assertThat(trapped()).isZero();
  }

  @Test
  void aNameIsDeliveredToTheAddressItWasResolvedTo() {
    // Development mode (allow-http) allows loopback: the one lookup's address is the one connected.
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      AtomicInteger lookups = new AtomicInteger();
      WebhookSender s = sender(true, dns(Map.of("lra.example", "127.0.0.1"), lookups));
      String url = receiver.url().replace("127.0.0.1", "lra.example");
      StepVerifier.create(post(s, url)).expectComplete().verify(WAIT);
      assertThat(receiver.accepted()).hasSize(1);
      assertThat(lookups).hasValue(1);
    }
  }

  @Test
  void internalAddressesIncludeEmbeddedAndBroadcastForms() {
    for (String a :
        List.of(
            "127.0.0.1",
            "::1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "0.0.0.0",
            "0.1.2.3",
            "169.254.169.254",
            "fe80::1",
            "224.0.0.1",
            "255.255.255.255")) {
      assertThat(WebhookSender.internal(ip(a))).as(a).isTrue();
    }
    for (String a :
        List.of("10.20.30.40", "192.168.1.1", "fd00::1", "8.8.8.8", "2001:4860:4860::8888")) {
      assertThat(WebhookSender.internal(ip(a))).as(a).isFalse();
    }
  }
}
