package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.gpki.gateway.net.TargetResolver;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * SSRF through host names (issue #16, item 5): a name is resolved once, every address it has is
 * checked before any connection, the connection goes to exactly a checked address, and a refusal
 * reads the same whether a port is open or closed. A real listener on loopback (the trap) must
 * never see a connection.
 */
class FetcherSsrfTest {

  /**
   * Generous: the first fetch in a JVM also builds event loops and the TLS context (slow on a busy
   * CI).
   */
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
  private static final String EVIL = "crl.attacker.example";

  static Scheduler ldapThreads = Schedulers.newBoundedElastic(2, 16, "test-ldap");
  static byte[] crl;

  /**
   * Names to successive answers (the last repeats); unknown names do not resolve. Counts lookups.
   */
  static final class FakeDns implements TargetResolver {
    final Map<String, List<List<InetAddress>>> answers = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

    @SafeVarargs
    final FakeDns answer(String name, List<InetAddress>... successive) {
      List<List<InetAddress>> each = new java.util.ArrayList<>();
      for (List<InetAddress> addresses : successive) {
        each.add(addresses);
      }
      answers.put(name, List.copyOf(each));
      return this;
    }

    int lookups(String name) {
      return lookups.computeIfAbsent(name, n -> new AtomicInteger()).get();
    }

    @Override
    public Mono<List<InetAddress>> resolve(String host) {
      int n = lookups.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
      List<List<InetAddress>> a = answers.get(host);
      return a == null
          ? Mono.error(new UnknownHostException(host))
          : Mono.just(a.get(Math.min(n, a.size() - 1)));
    }
  }

  /**
   * A loopback listener that never accepts on its own: whatever connected is still in its backlog.
   */
  static final class Trap implements AutoCloseable {
    final ServerSocketChannel channel;

    Trap(String address, int port) throws IOException {
      channel = ServerSocketChannel.open();
      channel.bind(new InetSocketAddress(address, port), 50);
      channel.configureBlocking(false);
    }

    int port() {
      return channel.socket().getLocalPort();
    }

    /**
     * Connections that reached the listener so far (a connect completes in the kernel before
     * accept).
     */
    int connections() throws IOException {
      int n = 0;
      for (SocketChannel s = channel.accept(); s != null; s = channel.accept()) {
        s.close();
        n++;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  Trap trap;

  @BeforeAll
  static void ca() throws Exception {
    crl = new TestCa("SSRF CA").crl(List.of()).der();
  }

  @AfterAll
  static void stop() {
    ldapThreads.dispose();
  }

  @BeforeEach
  void openTrap() throws IOException {
    trap = new Trap("127.0.0.1", 0);
  }

  @AfterEach
  void closeTrap() throws IOException {
    trap.close();
  }

  private static Fetcher fetcher(TargetResolver dns, String... allowedAddresses) {
    return new Fetcher(
        new UrlGuard(false, UrlGuard.addresses(List.of(allowedAddresses))),
        dns,
        FETCH_TIMEOUT,
        ldapThreads,
        CircuitBreakerRegistry.ofDefaults(),
        RetryRegistry.ofDefaults());
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: parsed, never looked up
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** ::ffff:127.0.0.1 kept as an IPv6 address (InetAddress.getByName would turn it into IPv4). */
  private static InetAddress mappedLoopback() {
    try {
      byte[] b = new byte[16];
      b[10] = (byte) 0xff;
      b[11] = (byte) 0xff;
      b[12] = 127;
      b[15] = 1;
      return Inet6Address.getByAddress(null, b, -1);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static Stream<Arguments> inward() {
    return Stream.of(
        Arguments.of("refused/loopback 127.0.0.1", List.of(ip("127.0.0.1"))),
        Arguments.of("refused/loopback 127.0.0.2", List.of(ip("127.0.0.2"))),
        Arguments.of("refused/IPv6 loopback ::1", List.of(ip("::1"))),
        Arguments.of("refused/IPv4-mapped loopback ::ffff:127.0.0.1", List.of(mappedLoopback())),
        Arguments.of("refused/NAT64 loopback 64:ff9b::7f00:1", List.of(ip("64:ff9b::7f00:1"))),
        Arguments.of("refused/unspecified 0.0.0.0", List.of(ip("0.0.0.0"))),
        Arguments.of("refused/link-local 169.254.169.254", List.of(ip("169.254.169.254"))),
        Arguments.of("refused/IPv6 link-local fe80::1", List.of(ip("fe80::1"))),
        Arguments.of("refused/private 10.1.2.3", List.of(ip("10.1.2.3"))),
        Arguments.of("refused/private 172.16.0.1", List.of(ip("172.16.0.1"))),
        Arguments.of("refused/private 192.168.1.1", List.of(ip("192.168.1.1"))),
        Arguments.of("refused/ULA fd00::1", List.of(ip("fd00::1"))),
        Arguments.of("refused/CGNAT 100.64.0.1", List.of(ip("100.64.0.1"))),
        Arguments.of("refused/multicast 224.0.0.1", List.of(ip("224.0.0.1"))),
        Arguments.of("refused/broadcast 255.255.255.255", List.of(ip("255.255.255.255"))),
        Arguments.of(
            "refused/loopback among public addresses",
            List.of(ip("203.0.113.7"), ip("127.0.0.1"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inward")
  void namesResolvingInwardAreRefusedBeforeAnyConnection(
      String outcome, List<InetAddress> addresses) throws Exception {
    FakeDns dns = new FakeDns().answer(EVIL, addresses);
    Fetcher f = fetcher(dns);
    String base = EVIL + ":" + trap.port();
    List<String> urls =
        List.of(
            "http://" + base + "/ca.crl",
            "https://" + base + "/ca.crl",
            "ldap://" + base + "/cn=CA,o=Test?certificateRevocationList;binary");
    for (String url : urls) {
      expectRefused(f.get(url, 100_000), url);
    }
    String ocsp = "http://" + base + "/ocsp";
    expectRefused(f.post(ocsp, "application/ocsp-request", new byte[] {0x30, 0x00}, 100_000), ocsp);
    String ldapCa = "ldap://" + base + "/cn=CA,o=Test";
    expectRefused(f.getAll(ldapCa, 100_000), ldapCa);
    String httpCa = "http://" + base + "/ca.p7c";
    expectRefused(f.getAll(httpCa, 100_000), httpCa);
    assertThat(trap.connections()).as(outcome + ": connections the trap saw").isZero();
    assertThat(dns.lookups(EVIL)).as("one lookup per fetch: a refusal is not retried").isEqualTo(6);
  }

  private static void expectRefused(Mono<?> fetch, String url) {
    StepVerifier.create(fetch)
        .expectErrorSatisfies(
            e -> assertThat(e).as(url).hasMessage("refused " + url + ": non-public address"))
        .verify(WAIT);
  }

  @Test
  void openAndClosedPortsGetTheSameAnswerAtOnce() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, ip("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    FakeDns dns = new FakeDns().answer(EVIL, List.of(ip("127.0.0.1")));
    Fetcher f = fetcher(dns);
    // Warm-up (event loops, schedulers), so that the timed calls below measure the refusal alone.
    StepVerifier.create(f.get("http://" + EVIL + ":" + closed + "/", 100_000))
        .expectError()
        .verify(WAIT);
    StepVerifier.create(f.get("ldap://" + EVIL + ":" + closed + "/o=Test", 100_000))
        .expectError()
        .verify(WAIT);
    for (String scheme : List.of("http", "ldap")) {
      List<String> answers = new ArrayList<>();
      for (int port : new int[] {trap.port(), closed}) {
        String url = scheme + "://" + EVIL + ":" + port + "/cn=CA,o=Test";
        StepVerifier.create(f.get(url, 100_000))
            .expectErrorSatisfies(
                e -> answers.add(e.getMessage().replace(":" + port + "/", ":PORT/")))
            // Far within the 10 s fetch timeout: nothing waited on a connection.
            .verify(Duration.ofSeconds(3));
      }
      assertThat(answers)
          .as(scheme)
          .containsExactly(
              "refused " + scheme + "://" + EVIL + ":PORT/cn=CA,o=Test: non-public address",
              "refused " + scheme + "://" + EVIL + ":PORT/cn=CA,o=Test: non-public address");
    }
    assertThat(trap.connections()).isZero();
  }

  @Test
  void aRebindingNameGetsOneLookupPerFetchAndOnlyTheCheckedAddressIsConnected() throws Exception {
    // The CA's repository on 127.0.0.2 (allowed by exact address, as on a closed network); the trap
    // on
    // 127.0.0.1 at the same port. The name answers 127.0.0.2 first, then 127.0.0.1.
    try (StaticServer repo = new StaticServer("127.0.0.2", 0);
        Trap same = new Trap("127.0.0.1", repo.port())) {
      repo.files.put("/ca.crl", crl);
      repo.closeConnections =
          true; // no pooled connection: the second fetch connects (and resolves) anew
      String name = "rebind.attacker.example";
      FakeDns dns = new FakeDns().answer(name, List.of(ip("127.0.0.2")), List.of(ip("127.0.0.1")));
      Fetcher f = fetcher(dns, "127.0.0.2");
      String url = "http://" + name + ":" + repo.port() + "/ca.crl";
      StepVerifier.create(f.get(url, 100_000))
          .assertNext(b -> assertThat(b).isEqualTo(crl))
          .expectComplete()
          .verify(WAIT);
      assertThat(dns.lookups(name)).as("lookups for the first fetch").isEqualTo(1);
      assertThat(repo.hosts)
          .as("Host header keeps the name")
          .containsExactly(name + ":" + repo.port());
      // The next fetch resolves anew and gets 127.0.0.1: refused (once: a refusal is not retried).
      expectRefused(f.get(url, 100_000), url);
      assertThat(dns.lookups(name)).isEqualTo(2);
      assertThat(same.connections()).as("connections to 127.0.0.1").isZero();
      assertThat(repo.requests).hasValue(1);
    }
  }

  @Test
  void aRebindingLdapNameIsConnectedOnlyAtTheCheckedAddress() throws Exception {
    InMemoryDirectoryServerConfig cfg = new InMemoryDirectoryServerConfig("o=Test");
    cfg.setListenerConfigs(
        InMemoryListenerConfig.createLDAPConfig("default", ip("127.0.0.2"), 0, null));
    cfg.setSchema(null);
    InMemoryDirectoryServer ldap = new InMemoryDirectoryServer(cfg);
    try {
      ldap.add(
          new Entry(
              "o=Test", new Attribute("objectClass", "organization"), new Attribute("o", "Test")));
      ldap.add(
          new Entry(
              "cn=CA,o=Test",
              new Attribute("objectClass", "pkiCA"),
              new Attribute("cn", "CA"),
              new Attribute("certificateRevocationList;binary", crl)));
      ldap.startListening();
      try (Trap same = new Trap("127.0.0.1", ldap.getListenPort())) {
        String name = "ldap-rebind.attacker.example";
        FakeDns dns =
            new FakeDns().answer(name, List.of(ip("127.0.0.2")), List.of(ip("127.0.0.1")));
        Fetcher f = fetcher(dns, "127.0.0.2");
        String url =
            "ldap://"
                + name
                + ":"
                + ldap.getListenPort()
                + "/cn=CA,o=Test?certificateRevocationList;binary";
        StepVerifier.create(f.get(url, 100_000))
            .assertNext(b -> assertThat(b).isEqualTo(crl))
            .expectComplete()
            .verify(WAIT);
        assertThat(dns.lookups(name)).isEqualTo(1);
        expectRefused(f.get(url, 100_000), url);
        assertThat(dns.lookups(name)).isEqualTo(2);
        assertThat(same.connections()).isZero();
      }
    } finally {
      ldap.shutDown(true);
    }
  }

  @Test
  void aRedirectToANameResolvingInwardIsRefusedWithoutConnecting() throws Exception {
    try (StaticServer repo = new StaticServer("127.0.0.2", 0)) {
      String inward = "http://" + EVIL + ":" + trap.port() + "/ca.crl";
      repo.redirects.put("/moved.crl", inward);
      String name = "repo.example";
      FakeDns dns =
          new FakeDns()
              .answer(name, List.of(ip("127.0.0.2")))
              .answer(EVIL, List.of(ip("127.0.0.1")));
      Fetcher f = fetcher(dns, "127.0.0.2");
      String url = "http://" + name + ":" + repo.port() + "/moved.crl";
      StepVerifier.create(f.get(url, 100_000))
          .expectErrorSatisfies(
              e -> assertThat(e).hasMessage("refused " + inward + ": non-public address"))
          .verify(WAIT);
      assertThat(trap.connections()).isZero();
    }
  }

  @Test
  void aNameThatDoesNotResolveFailsWithoutConnecting() throws Exception {
    Fetcher f = fetcher(new FakeDns());
    String url = "http://nowhere.example:" + trap.port() + "/ca.crl";
    StepVerifier.create(f.get(url, 100_000))
        .expectErrorSatisfies(
            e -> assertThat(e).hasMessageContaining("cannot resolve nowhere.example"))
        .verify(WAIT);
    assertThat(trap.connections()).isZero();
  }

  @Test
  void publicNamesAndAllowedAddressesAreAllowed() {
    UrlGuard guard = new UrlGuard(false, UrlGuard.addresses(List.of("10.9.9.9")));
    for (String a :
        List.of(
            "8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "10.9.9.9")) {
      assertThat(guard.allowed(ip(a))).as(a).isTrue();
    }
    for (String a :
        List.of(
            "2002:7f00:1::1",
            "2002:a00:1::1",
            "::7f00:1",
            "100.127.255.255",
            "fec0::1",
            "ff02::1")) {
      assertThat(guard.allowed(ip(a))).as(a).isFalse();
    }
    assertThat(guard.allowed(mappedLoopback())).isFalse();
    Collection<InetAddress> mixed = List.of(ip("8.8.8.8"), ip("10.9.9.9"));
    StepVerifier.create(guard.check("ok.example", host -> Mono.just(List.copyOf(mixed))))
        .expectNext(List.copyOf(mixed))
        .expectComplete()
        .verify(WAIT);
    // A literal is parsed, never handed to the resolver.
    StepVerifier.create(
            guard.check("[::1]", host -> Mono.error(new AssertionError("looked up " + host))))
        .expectError(UrlGuard.Refused.class)
        .verify(WAIT);
  }
}
