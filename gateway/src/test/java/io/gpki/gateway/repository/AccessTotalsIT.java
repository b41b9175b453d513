package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.AccessCount;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SLA access totals survive a restart: each process writes its running totals, a new process (a
 * new {@link AccessStatistics} over the same database) reports the earlier totals plus its own.
 */
class AccessTotalsIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
  // 2026-05-31 23:30 in Tokyo: the first process's requests fall on two days and two months.
  private static final Instant T0 = Instant.parse("2026-05-31T14:30:00Z");
  private static RepositoryStore store;

  @BeforeAll
  static void open() {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 4, Clock.systemUTC());
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static AccessStatistics process(Instant now) {
    return new AccessStatistics(
        new SimpleMeterRegistry(), Clock.fixed(now, TOKYO), TOKYO, store.accessTotals());
  }

  @Test
  void totalsAfterARestartAreTheSumAndTheMeanIsSumOverCount() {
    AccessStatistics first = process(T0);
    first.record(AccessStatistics.FILES, "crl", "ok", 1_000_001);
    first.record(AccessStatistics.FILES, "crl", "ok", 2_000_000);
    first.record(AccessStatistics.FILES, "crl", "not-found", 500);
    StepVerifier.create(first.flush()).expectComplete().verify(Duration.ofSeconds(30));
    // Recorded after a periodic write: only the shutdown write takes it along.
    first.record(AccessStatistics.FILES, "crl", "ok", 3_000_000);
    StepVerifier.create(first.flush()).expectComplete().verify(Duration.ofSeconds(30));
    // Nothing changed: a write with nothing new is harmless.
    StepVerifier.create(first.flush()).expectComplete().verify(Duration.ofSeconds(30));

    // "Restart": a new process over the same database, an hour later (next Tokyo day, next month).
    AccessStatistics second = process(T0.plus(Duration.ofHours(1)));
    second.record(AccessStatistics.FILES, "crl", "ok", 4);
    second.record(AccessStatistics.RFC4387_CERTS, "certificate", "ok", 7);
    // Not yet written: the report adds this process's in-memory totals.
    List<AccessCount> totals = second.totals(null, null).block(WAIT);
    List<AccessReport.Row> daily = AccessReport.rows(totals, false, null, null);
    assertThat(daily)
        .extracting(
            AccessReport.Row::period,
            AccessReport.Row::iface,
            AccessReport.Row::requests,
            AccessReport.Row::totalNanos)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("2026-05-31", "files", 4L, 6_000_501L),
            org.assertj.core.groups.Tuple.tuple("2026-06-01", "files", 1L, 4L),
            org.assertj.core.groups.Tuple.tuple("2026-06-01", "rfc4387-certs", 1L, 7L));
    AccessReport.Row may31 = daily.get(0);
    assertThat(may31.outcomes()).isEqualTo(Map.of("ok", 3L, "not-found", 1L));
    // Mean = sum / count exactly: 6 000 501 ns / 4 = 1 500 125.25 ns -> 1.500125 ms (half-even to
    // the ns).
    assertThat(may31.meanMillis()).isEqualByComparingTo(new BigDecimal("1.500125"));
    assertThat(may31.totalMillis()).isEqualByComparingTo(new BigDecimal("6.000501"));

    // A third process sees the second's totals once written, and not twice after a repeated write.
    StepVerifier.create(second.flush()).expectComplete().verify(Duration.ofSeconds(30));
    StepVerifier.create(second.flush()).expectComplete().verify(Duration.ofSeconds(30));
    AccessStatistics third = process(T0.plus(Duration.ofHours(2)));
    List<AccessReport.Row> monthly =
        AccessReport.rows(third.totals(null, null).block(WAIT), true, null, null);
    assertThat(monthly)
        .extracting(AccessReport.Row::period, AccessReport.Row::iface, AccessReport.Row::requests)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("2026-05", "files", 4L),
            org.assertj.core.groups.Tuple.tuple("2026-06", "files", 1L),
            org.assertj.core.groups.Tuple.tuple("2026-06", "rfc4387-certs", 1L));
    List<AccessReport.Row> june =
        AccessReport.rows(
            third.totals(LocalDate.of(2026, 6, 1), LocalDate.of(2026, 6, 30)).block(WAIT),
            true,
            null,
            null);
    assertThat(june).hasSize(2);
  }

  @Test
  void csvAndJsonAgree() {
    List<AccessCount> totals =
        List.of(
            new AccessCount(LocalDate.of(2026, 7, 1), "ldap", "crl", "ok", 3, 10),
            new AccessCount(LocalDate.of(2026, 7, 1), "ldap", "crl", "busy", 0, 0),
            new AccessCount(LocalDate.of(2026, 7, 2), "files", "arl", "ok", 7, 123_456_789_012L),
            new AccessCount(LocalDate.of(2026, 7, 2), "files", "arl", "error", 2, 1));
    List<AccessReport.Row> rows = AccessReport.rows(totals, false, null, null);
    JsonNode json = JsonMapper.builder().build().readTree(AccessReport.json(rows, false, "test"));
    List<String> csv =
        new String(AccessReport.csv(rows, false), StandardCharsets.UTF_8).lines().toList();
    assertThat(csv.get(0))
        .isEqualTo(
            "day,interface,kind,requests,mean_response_ms,total_response_ms,total_response_ns,outcome_busy,outcome_error,outcome_ok");
    assertThat(csv).hasSize(1 + json.get("rows").size());
    for (int i = 0; i < json.get("rows").size(); i++) {
      JsonNode r = json.get("rows").get(i);
      String[] c = csv.get(i + 1).split(",");
      assertThat(c[0]).isEqualTo(r.get("day").asString());
      assertThat(c[1]).isEqualTo(r.get("interface").asString());
      assertThat(c[2]).isEqualTo(r.get("kind").asString());
      assertThat(Long.parseLong(c[3])).isEqualTo(r.get("requests").asLong());
      assertThat(new BigDecimal(c[4]))
          .isEqualByComparingTo(r.get("meanResponseMillis").decimalValue());
      assertThat(new BigDecimal(c[5]))
          .isEqualByComparingTo(r.get("totalResponseMillis").decimalValue());
      assertThat(Long.parseLong(c[6])).isEqualTo(r.get("totalResponseNanos").asLong());
      assertThat(Long.parseLong(c[9])).isEqualTo(r.get("outcomes").path("ok").asLong(0));
    }
    // 123 456 789 013 ns / 9 = 13 717 421 001.44... ns -> 13717.421001 ms.
    assertThat(csv.get(2))
        .startsWith("2026-07-02,files,arl,9,13717.421001,123456.789013,123456789013,0,2,7");
    assertThat(csv.get(1)).startsWith("2026-07-01,ldap,crl,3,0.000003,0.000010,10,0,0,3");
  }
}
