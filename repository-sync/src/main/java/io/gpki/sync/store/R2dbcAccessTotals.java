package io.gpki.sync.store;

import io.gpki.sync.AccessCount;
import io.gpki.sync.AccessTotals;
import io.r2dbc.spi.ConnectionFactory;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code repository_access} table: one upsert statement per write, so a write is atomic. */
public final class R2dbcAccessTotals implements AccessTotals {

  private final DatabaseClient db;
  private final Clock clock;

  public R2dbcAccessTotals(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.clock = clock;
  }

  @Override
  public Mono<Void> put(String instance, List<AccessCount> runningTotals) {
    if (runningTotals.isEmpty()) {
      return Mono.empty();
    }
    return db.sql(
            "INSERT INTO repository_access (day, interface, kind, outcome, instance, requests, response_nanos,"
                + " updated_at) SELECT d::date, i, k, o, :instance, n, t, :now FROM unnest(:days::text[],"
                + " :ifaces::text[], :kinds::text[], :outcomes::text[], :requests::bigint[], :nanos::bigint[])"
                + " AS x(d, i, k, o, n, t) ON CONFLICT (day, interface, kind, outcome, instance) DO UPDATE SET"
                + " requests = GREATEST(repository_access.requests, EXCLUDED.requests),"
                + " response_nanos = GREATEST(repository_access.response_nanos, EXCLUDED.response_nanos),"
                + " updated_at = EXCLUDED.updated_at")
        .bind("instance", instance)
        .bind("now", clock.instant())
        .bind("days", runningTotals.stream().map(d -> d.day().toString()).toArray(String[]::new))
        .bind("ifaces", runningTotals.stream().map(AccessCount::iface).toArray(String[]::new))
        .bind("kinds", runningTotals.stream().map(AccessCount::kind).toArray(String[]::new))
        .bind("outcomes", runningTotals.stream().map(AccessCount::outcome).toArray(String[]::new))
        .bind("requests", runningTotals.stream().map(AccessCount::requests).toArray(Long[]::new))
        .bind("nanos", runningTotals.stream().map(AccessCount::responseNanos).toArray(Long[]::new))
        .then();
  }

  @Override
  public Flux<AccessCount> between(
      @Nullable LocalDate from, @Nullable LocalDate to, String excludedInstance) {
    return db.sql(
            "SELECT day, interface, kind, outcome, sum(requests) AS requests, sum(response_nanos) AS nanos"
                + " FROM repository_access WHERE day >= :from AND day <= :to AND instance <> :instance"
                + " GROUP BY day, interface, kind, outcome ORDER BY day, interface, kind, outcome")
        .bind("from", from == null ? LocalDate.of(1970, 1, 1) : from)
        .bind("to", to == null ? LocalDate.of(9999, 12, 31) : to)
        .bind("instance", excludedInstance)
        .map(
            r ->
                new AccessCount(
                    r.get("day", LocalDate.class),
                    r.get("interface", String.class),
                    r.get("kind", String.class),
                    r.get("outcome", String.class),
                    r.get("requests", BigDecimal.class).longValueExact(),
                    r.get("nanos", BigDecimal.class).longValueExact()))
        .all();
  }
}
