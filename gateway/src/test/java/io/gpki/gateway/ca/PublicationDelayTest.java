package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.signer.CrlScope;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The revocation-to-publication metric settles exactly the revocations a list contains. */
class PublicationDelayTest {

  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final PublicationDelay delay = new PublicationDelay(meters);

  private Timer timer(String scope) {
    return meters.get("gpki.revocation.publication").tag("scope", scope).timer();
  }

  @Test
  void aListSettlesTheRevocationsCommittedBeforeItReadItsEntries() {
    delay.revoked("osca", CrlScope.CRL, T0);
    delay.revoked("osca", CrlScope.CRL, T0.plusSeconds(1));
    long mark = delay.mark();
    delay.revoked("osca", CrlScope.CRL, T0.plusSeconds(2)); // after the read: not in this list

    delay.issued("osca", CrlScope.CRL, mark, T0.plusSeconds(3));

    assertThat(timer("crl").count()).isEqualTo(2);
    assertThat(timer("crl").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3_000 + 2_000);

    delay.issued("osca", CrlScope.CRL, delay.mark(), T0.plusSeconds(5));
    assertThat(timer("crl").count()).isEqualTo(3);
    assertThat(timer("crl").max(TimeUnit.MILLISECONDS)).isEqualTo(3_000);
  }

  @Test
  void otherCasAndScopesAreNotSettled() {
    delay.revoked("osca", CrlScope.ARL, T0);
    delay.revoked("bca", CrlScope.CRL, T0);
    delay.issued("osca", CrlScope.CRL, delay.mark(), T0.plus(Duration.ofSeconds(1)));
    assertThat(timer("crl").count()).isZero();
    assertThat(timer("arl").count()).isZero();

    delay.issued("osca", CrlScope.ARL, delay.mark(), T0.plus(Duration.ofSeconds(1)));
    assertThat(timer("arl").count()).isEqualTo(1);
  }

  @Test
  void aListIssuedTwiceCountsARevocationOnce() {
    delay.revoked("isca", CrlScope.CRL, T0);
    long mark = delay.mark();
    delay.issued("isca", CrlScope.CRL, mark, T0.plusSeconds(1));
    delay.issued("isca", CrlScope.CRL, mark, T0.plusSeconds(2));
    assertThat(timer("crl").count()).isEqualTo(1);
  }

  @Test
  void waitingIsBounded() {
    for (int i = 0; i < PublicationDelay.MAX_WAITING + 10; i++) {
      delay.revoked("isca", CrlScope.CRL, T0);
    }
    delay.issued("isca", CrlScope.CRL, delay.mark(), T0.plusSeconds(1));
    assertThat(timer("crl").count()).isEqualTo(PublicationDelay.MAX_WAITING);
  }
}
