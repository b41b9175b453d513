package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.web.InterfaceGate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Overload: a slow interface answers fast 503s with Retry-After instead of queueing without bound.
 */
class RepositoryTrafficFilterTest {

  private static RepositoryProperties props(int concurrent, int queue, Duration wait) {
    return new RepositoryProperties(
        false,
        100,
        64,
        1024,
        new RepositoryProperties.Http(
            concurrent, queue, wait, Duration.ofSeconds(10), Duration.ofSeconds(30), true),
        new RepositoryProperties.Ldap(
            false,
            "127.0.0.1",
            0,
            "localhost",
            4,
            1,
            Duration.ofSeconds(1),
            Duration.ofSeconds(60),
            65536));
  }

  @Test
  void overloadGetsFast503WithRetryAfterAndTheRestSucceed() {
    AtomicInteger inHandler = new AtomicInteger();
    AtomicInteger maxSeen = new AtomicInteger();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AccessStatistics stats = new AccessStatistics(meters, Clock.systemUTC(), ZoneOffset.UTC);
    WebTestClient client =
        WebTestClient.bindToRouterFunction(
                RouterFunctions.route()
                    .GET(
                        "/crls/search.cgi",
                        r -> {
                          maxSeen.accumulateAndGet(inHandler.incrementAndGet(), Math::max);
                          // Leaves before its answer is written: a doFinally would run only after
                          // the
                          // answer (and the filter's release of the slot) and count a successor as
                          // overlapping.
                          return Mono.delay(Duration.ofMillis(300))
                              .doOnNext(t -> inHandler.decrementAndGet())
                              .then(ServerResponse.ok().bodyValue("slow"));
                        })
                    .build())
            .webFilter(new RepositoryTrafficFilter(props(2, 2, Duration.ofMillis(100)), stats))
            .configureClient()
            .responseTimeout(Duration.ofSeconds(10))
            .build();
    List<Integer> statuses =
        Flux.range(0, 20)
            .flatMap(
                i ->
                    Mono.fromCallable(
                            () ->
                                client
                                    .get()
                                    .uri("/crls/search.cgi?iHash=x")
                                    .exchange()
                                    .returnResult(String.class))
                        .subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()),
                20)
            .map(
                r -> {
                  if (r.getStatus().value() == 503) {
                    assertThat(r.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
                    assertThat(r.getResponseHeaders().getCacheControl()).isEqualTo("no-store");
                  }
                  return r.getStatus().value();
                })
            .collectList()
            .block(Duration.ofSeconds(20));
    assertThat(statuses).contains(200, 503).containsOnly(200, 503);
    assertThat(maxSeen.get()).isLessThanOrEqualTo(2);
    assertThat(meters.get(AccessStatistics.METRIC).tag("outcome", "busy").timer().count())
        .isPositive();
  }

  @Test
  void overLongQueryIsA400Problem() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    WebTestClient client =
        WebTestClient.bindToRouterFunction(
                RouterFunctions.route()
                    .GET("/certificates/search.cgi", r -> ServerResponse.ok().build())
                    .build())
            .webFilter(
                new RepositoryTrafficFilter(
                    props(2, 2, Duration.ofMillis(100)),
                    new AccessStatistics(meters, Clock.systemUTC(), ZoneOffset.UTC)))
            .build();
    client
        .get()
        .uri("/certificates/search.cgi?cn=" + "a".repeat(100))
        .exchange()
        .expectStatus()
        .isEqualTo(HttpStatus.BAD_REQUEST)
        .expectBody()
        .jsonPath("$.detail")
        .isEqualTo("query longer than 64 characters");
  }

  @Test
  void gateHandsPermitsToWaitersAndNeverExceedsItsBounds() {
    InterfaceGate gate = new InterfaceGate("t", 1, 1, Duration.ofSeconds(5));
    assertThat(gate.acquire().block(Duration.ofSeconds(1))).isTrue();
    List<Boolean> got = new ArrayList<>();
    gate.acquire().subscribe(got::add);
    assertThat(gate.queued()).isEqualTo(1);
    org.junit.jupiter.api.Assertions.assertThrows(
        InterfaceGate.Busy.class, () -> gate.acquire().block(Duration.ofSeconds(1)));
    gate.release();
    assertThat(got).containsExactly(true);
    assertThat(gate.active()).isEqualTo(1);
    gate.release();
    assertThat(gate.active()).isZero();
  }
}
