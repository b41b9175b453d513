package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.core.publisher.Flux;

/**
 * The store stage of the RFC 4387 certificate store when the store fails, is slow or has no keys
 * yet.
 */
class StoreLookupTest {

  private static final Published SNAPSHOT_HIT =
      new Published(
          new byte[] {48, 0},
          SnapshotBuilder.PKIX_CERT,
          "\"s\"",
          Instant.parse("2026-01-01T00:00:00Z"),
          null);
  private static final Rfc4387Handler.Query CN = new Rfc4387Handler.Query("cn", "taro");

  private static WebTestClient client(CertificateSearch search, @Nullable Published snapshotHit) {
    PublishedResponder responder =
        new PublishedResponder(
            Clock.systemUTC(), Duration.ofMinutes(10), new SimpleMeterRegistry());
    StoreLookup lookup = new StoreLookup(search, responder, 5, Duration.ofMillis(200), 2);
    return WebTestClient.bindToRouterFunction(
            RouterFunctions.route()
                .GET("/certificates/search.cgi", r -> lookup.answer(r, CN, snapshotHit))
                .build())
        .build();
  }

  @Test
  void aSnapshotHitIsCompleteUnlessAnUnlabelledCertificateSharesTheKey() {
    LookupIndex lookups =
        new LookupIndex(
            java.util.Map.of(
                LookupIndex.key("cn", "taro"),
                SNAPSHOT_HIT,
                LookupIndex.key("cn", "ca"),
                SNAPSHOT_HIT),
            java.util.Map.of(),
            java.util.Map.of(),
            java.util.Set.of(LookupIndex.key("cn", "taro")));
    Rfc4387Handler.Query ca = new Rfc4387Handler.Query("cn", "ca");
    assertThat(StoreLookup.needsStore(lookups, ca, lookups.certificate("cn", "ca"))).isFalse();
    assertThat(lookups.completeCertificate("cn", "ca")).isSameAs(SNAPSHOT_HIT);
    assertThat(StoreLookup.needsStore(lookups, CN, lookups.certificate("cn", "taro"))).isTrue();
    assertThat(lookups.completeCertificate("cn", "taro")).isNull();
    Rfc4387Handler.Query miss = new Rfc4387Handler.Query("cn", "nobody");
    assertThat(StoreLookup.needsStore(lookups, miss, lookups.certificate("cn", "nobody"))).isTrue();
  }

  @Test
  void aFailingStoreIs503WithRetryAfterUnlessTheSnapshotHasAnAnswer() {
    CertificateSearch failing = (a, v, limit) -> Flux.error(new IllegalStateException("db down"));
    client(failing, null)
        .get()
        .uri("/certificates/search.cgi?cn=taro")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectHeader()
        .valueEquals("Retry-After", "1")
        .expectHeader()
        .contentType("application/problem+json");
    client(failing, SNAPSHOT_HIT)
        .get()
        .uri("/certificates/search.cgi?cn=taro")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .isEqualTo(SNAPSHOT_HIT.body());
  }

  @Test
  void aSlowStoreTimesOut() {
    CertificateSearch slow = (a, v, limit) -> Flux.never();
    client(slow, null)
        .get()
        .uri("/certificates/search.cgi?cn=taro")
        .exchange()
        .expectStatus()
        .isEqualTo(503);
  }

  @Test
  void noStoredKeysYetFallsBackToTheSnapshotAndAsksForOneMoreThanTheLimit() {
    AtomicInteger asked = new AtomicInteger();
    CertificateSearch empty =
        (a, v, limit) -> {
          assertThat(a).isEqualTo("cn");
          asked.set(limit);
          return Flux.<CertificateRecord>empty();
        };
    client(empty, SNAPSHOT_HIT)
        .get()
        .uri("/certificates/search.cgi?cn=taro")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .isEqualTo(SNAPSHOT_HIT.body());
    assertThat(asked).hasValue(6);
    client(empty, null)
        .get()
        .uri("/certificates/search.cgi?cn=taro")
        .exchange()
        .expectStatus()
        .isNotFound()
        .expectHeader()
        .contentType("application/problem+json");
  }
}
