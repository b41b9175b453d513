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

/** The store stage of the RFC 4387 certificate store when the store fails, is slow or has no keys yet. */
class StoreLookupTest {

  private static final Published SNAPSHOT_HIT =
      new Published(new byte[] {48, 0}, SnapshotBuilder.PKIX_CERT, "\"s\"", Instant.parse("2026-01-01T00:00:00Z"), null);
  private static final Rfc4387Handler.Query CN = new Rfc4387Handler.Query("cn", "taro");

  private static WebTestClient client(CertificateSearch search, @Nullable Published snapshotHit) {
    PublishedResponder responder = new PublishedResponder(Clock.systemUTC(), Duration.ofMinutes(10), new SimpleMeterRegistry());
    StoreLookup lookup = new StoreLookup(search, responder, 5, Duration.ofMillis(200), 2);
    return WebTestClient.bindToRouterFunction(
            RouterFunctions.route().GET("/certificates/search.cgi", r -> lookup.answer(r, CN, snapshotHit)).build())
        .build();
  }

  @Test
  void onlyCertHashAndIAndSHashSnapshotHitsAreComplete() {
    assertThat(StoreLookup.needsStore("certHash", SNAPSHOT_HIT)).isFalse();
    assertThat(StoreLookup.needsStore("iAndSHash", SNAPSHOT_HIT)).isFalse();
    assertThat(StoreLookup.needsStore("certHash", null)).isTrue();
    for (String a : new String[] {"iHash", "sHash", "sKIDHash", "name", "cn", "email", "uri"}) {
      assertThat(StoreLookup.needsStore(a, SNAPSHOT_HIT)).as(a).isTrue();
    }
  }

  @Test
  void aFailingStoreIs503WithRetryAfterUnlessTheSnapshotHasAnAnswer() {
    CertificateSearch failing = (a, v, limit) -> Flux.error(new IllegalStateException("db down"));
    client(failing, null).get().uri("/certificates/search.cgi?cn=taro").exchange()
        .expectStatus().isEqualTo(503)
        .expectHeader().valueEquals("Retry-After", "1")
        .expectHeader().contentType("application/problem+json");
    client(failing, SNAPSHOT_HIT).get().uri("/certificates/search.cgi?cn=taro").exchange()
        .expectStatus().isOk()
        .expectBody(byte[].class).isEqualTo(SNAPSHOT_HIT.body());
  }

  @Test
  void aSlowStoreTimesOut() {
    CertificateSearch slow = (a, v, limit) -> Flux.never();
    client(slow, null).get().uri("/certificates/search.cgi?cn=taro").exchange().expectStatus().isEqualTo(503);
  }

  @Test
  void noStoredKeysYetFallsBackToTheSnapshotAndAsksForOneMoreThanTheLimit() {
    AtomicInteger asked = new AtomicInteger();
    CertificateSearch empty = (a, v, limit) -> {
      assertThat(a).isEqualTo("cn");
      asked.set(limit);
      return Flux.<CertificateRecord>empty();
    };
    client(empty, SNAPSHOT_HIT).get().uri("/certificates/search.cgi?cn=taro").exchange()
        .expectStatus().isOk().expectBody(byte[].class).isEqualTo(SNAPSHOT_HIT.body());
    assertThat(asked).hasValue(6);
    client(empty, null).get().uri("/certificates/search.cgi?cn=taro").exchange()
        .expectStatus().isNotFound().expectHeader().contentType("application/problem+json");
  }
}
