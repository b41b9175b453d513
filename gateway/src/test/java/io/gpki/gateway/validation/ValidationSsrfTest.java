package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The issue #16 item 5 reproduction at the service: a test-center style certificate whose caIssuers
 * URL names a host that resolves to 127.0.0.1 gets the same verdict and the same fetch problem for
 * an open and a closed local port, and the open port's listener sees no connection.
 */
class ValidationSsrfTest {

  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  static Scheduler ldap = Schedulers.newBoundedElastic(1, 16, "test-ldap");

  @AfterAll
  static void stop() {
    ldap.dispose();
  }

  @Test
  void aCaIssuersNameResolvingToLoopbackAnswersAlikeForOpenAndClosedPortsWithoutConnecting()
      throws Exception {
    TestCa root = new TestCa("SSRF Root");
    TestCa sub = new TestCa("SSRF Sub");
    RepositoryView.Content content =
        new RepositoryView.Content(
            1,
            CertPool.of(List.of()),
            CrlSet.of(List.of()),
            Map.of("ext", root.selfSigned.withSource(Source.TRUST_ANCHOR)));
    ValidationProperties props =
        new ValidationProperties(
            List.of("ext"),
            262144,
            100,
            20,
            false,
            new ValidationProperties.Discovery(10, 32, 5000, Duration.ofSeconds(2), 3),
            new ValidationProperties.Fetch(
                Duration.ofSeconds(10),
                1 << 20,
                1 << 20,
                false,
                1,
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofMinutes(1),
                100,
                List.of()),
            new ValidationProperties.Credentials(false, 0, "localhost"),
            true);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    FetcherSsrfTest.FakeDns dns =
        new FetcherSsrfTest.FakeDns()
            .answer("ca.attacker.example", List.of(InetAddress.getByName("127.0.0.1")));
    Fetcher fetcher =
        new Fetcher(
            new UrlGuard(false),
            dns,
            Duration.ofSeconds(10),
            ldap,
            CircuitBreakerRegistry.ofDefaults(),
            RetryRegistry.ofDefaults());
    ValidationService service =
        new ValidationService(
            () -> content,
            new ValidationEngine(Limits.defaults()),
            new RemoteCache(fetcher, props.fetch(), clock),
            new OcspClient(fetcher, clock),
            props);
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    try (FetcherSsrfTest.Trap open = new FetcherSsrfTest.Trap("127.0.0.1", 0)) {
      validate(
          service,
          sub,
          "http://ca.attacker.example:" + closed + "/warm-up.cer"); // event loops, class loading
      List<String> answers = new ArrayList<>();
      for (int port : new int[] {open.port(), closed}) {
        long start = System.nanoTime();
        ValidationResult r =
            validate(service, sub, "http://ca.attacker.example:" + port + "/sub.cer");
        // Far below the 10 s fetch timeout for both: nothing waited on a connection to the open
        // port.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        answers.add(
            (r.outcome().getClass().getSimpleName()
                    + " "
                    + ValidationEngine.reason(r.outcome())
                    + " "
                    + r.fetchProblems())
                .replace(":" + port + "/", ":PORT/"));
      }
      String refused =
          "http://ca.attacker.example:PORT/sub.cer: refused http://ca.attacker.example:PORT/sub.cer: "
              + "non-public address";
      // Whatever the verdict (it cannot be VALID without the issuer), it is the same for both
      // ports.
      assertThat(answers.get(0)).doesNotStartWith("Valid").endsWith("[" + refused + "]");
      assertThat(answers.get(1)).isEqualTo(answers.get(0));
      assertThat(open.connections()).as("connections to the open port").isZero();
    }
  }

  private static ValidationResult validate(
      ValidationService service, TestCa sub, String caIssuers) {
    sub.urls(List.of(), List.of(caIssuers), List.of());
    Cert ee = sub.endEntity("EE " + caIssuers, List.of());
    ValidationResult r =
        service
            .validate(
                new ValidationRequest(
                    ee.withSource(Source.TARGET),
                    List.of(),
                    "ext",
                    ValidationInputs.defaults(NOW),
                    null))
            .block(Duration.ofSeconds(30));
    assertThat(r).isNotNull();
    return r;
  }
}
