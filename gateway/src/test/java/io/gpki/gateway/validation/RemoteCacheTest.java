package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.gpki.sync.testing.Await;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The external CRL cache: background refresh before nextUpdate, failure memory, circuit breaker.
 */
class RemoteCacheTest {

  static StaticServer server;
  static Scheduler ldap = Schedulers.newBoundedElastic(1, 4, "test-ldap");
  static TestCa ca = new TestCa("Cache CA");

  @BeforeAll
  static void start() throws Exception {
    server = new StaticServer();
  }

  @AfterAll
  static void stop() {
    server.close();
    ldap.dispose();
  }

  private static RemoteCache cache(CircuitBreakerRegistry breakers, Duration failureMemory) {
    ValidationProperties.Fetch cfg =
        new ValidationProperties.Fetch(
            Duration.ofSeconds(5),
            1 << 20,
            1 << 20,
            true,
            1,
            failureMemory,
            Duration.ofMinutes(5),
            Duration.ofMillis(100),
            10,
            List.of());
    Fetcher f =
        new Fetcher(
            new UrlGuard(true),
            Duration.ofSeconds(5),
            ldap,
            breakers,
            RetryRegistry.of(RetryConfig.custom().maxAttempts(1).build()));
    return new RemoteCache(f, cfg, Clock.systemUTC());
  }

  private static byte[] crl(long number, Instant nextUpdate) throws Exception {
    X509v2CRLBuilder b = new X509v2CRLBuilder(ca.name, new Date());
    b.setNextUpdate(Date.from(nextUpdate));
    b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
    return b.build(ca.signer()).getEncoded();
  }

  @Test
  void refreshesACrlInTheBackgroundBeforeItsNextUpdate() throws Exception {
    server.files.put("/soon.crl", crl(1, Instant.now().plus(Duration.ofMinutes(2))));
    RemoteCache cache = cache(CircuitBreakerRegistry.ofDefaults(), Duration.ofSeconds(30));
    String url = server.url("/soon.crl");
    assertThat(cache.crl(url).block(Duration.ofSeconds(10)).number()).isEqualTo(BigInteger.ONE);
    server.files.put("/soon.crl", crl(2, Instant.now().plus(Duration.ofHours(2))));
    Disposable refresh = cache.startRefresh();
    try {
      Await.until(
          "refreshed ahead of nextUpdate without a request waiting",
          () -> cache.crl(url).block(Duration.ofSeconds(10)).number(),
          BigInteger.TWO::equals,
          Duration.ofSeconds(10));
    } finally {
      refresh.dispose();
    }
  }

  @Test
  void remembersFailuresAndOpensTheCircuitPerHost() {
    CircuitBreakerRegistry breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowSize(4)
                .minimumNumberOfCalls(4)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofMinutes(1))
                .build());
    RemoteCache remembering = cache(breakers, Duration.ofMinutes(1));
    String missing = server.url("/missing-a.crl");
    assertThatThrownBy(() -> remembering.crl(missing).block(Duration.ofSeconds(10)))
        .hasMessageContaining("404");
    int before = server.requests.get();
    assertThatThrownBy(() -> remembering.crl(missing).block(Duration.ofSeconds(10)))
        .hasMessageContaining("recently failed");
    assertThat(server.requests.get()).isEqualTo(before);

    RemoteCache forgetting = cache(breakers, Duration.ZERO);
    for (int i = 0; i < 4; i++) {
      String url = server.url("/missing-" + i + ".crl");
      assertThatThrownBy(() -> forgetting.crl(url).block(Duration.ofSeconds(10))).isNotNull();
    }
    int calls = server.requests.get();
    assertThatThrownBy(() -> forgetting.crl(server.url("/other.crl")).block(Duration.ofSeconds(10)))
        .isInstanceOf(CallNotPermittedException.class);
    assertThat(server.requests.get()).as("an open circuit does not call the host").isEqualTo(calls);
    assertThat(List.of(breakers.circuitBreaker("validation-fetch:127.0.0.1").getState().name()))
        .containsExactly("OPEN");
  }
}
