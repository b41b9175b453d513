package io.gpki.sync.store;

import io.gpki.sync.AccessCount;
import io.gpki.sync.AccessTotals;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The {@code repository_access} table: one upsert statement per flush, so a flush is atomic. */
public final class R2dbcAccessTotals implements AccessTotals {

  private static final String COLUMNS = "day, interface, kind, outcome, requests, response_nanos";

  private final DatabaseClient db;
  private final Clock clock;

  public R2dbcAccessTotals(ConnectionFactory connections, Clock clock) {
    this.db = DatabaseClient.create(connections);
    this.clock = clock;
  }

  @Override
  public Mono<Void> add(List<AccessCount> deltas) {
    if (deltas.isEmpty()) {
      return Mono.empty();
    }
    return db.sql(
            "INSERT INTO repository_access (" + COLUMNS + ", updated_at)"
                + " SELECT d::date, i, k, o, n, t, :now FROM unnest(:days::text[], :ifaces::text[],"
                + " :kinds::text[], :outcomes::text[], :requests::bigint[], :nanos::bigint[]) AS x(d, i, k, o, n, t)"
                + " ON CONFLICT (day, interface, kind, outcome) DO UPDATE SET"
                + " requests = repository_access.requests + EXCLUDED.requests,"
                + " response_nanos = repository_access.response_nanos + EXCLUDED.response_nanos,"
                + " updated_at = EXCLUDED.updated_at")
        .bind("now", clock.instant())
        .bind("days", deltas.stream().map(d -> d.day().toString()).toArray(String[]::new))
        .bind("ifaces", deltas.stream().map(AccessCount::iface).toArray(String[]::new))
        .bind("kinds", deltas.stream().map(AccessCount::kind).toArray(String[]::new))
        .bind("outcomes", deltas.stream().map(AccessCount::outcome).toArray(String[]::new))
        .bind("requests", deltas.stream().map(AccessCount::requests).toArray(Long[]::new))
        .bind("nanos", deltas.stream().map(AccessCount::responseNanos).toArray(Long[]::new))
        .then();
  }

  @Override
  public Flux<AccessCount> between(@Nullable LocalDate from, @Nullable LocalDate to) {
    return db.sql(
            "SELECT " + COLUMNS + " FROM repository_access WHERE day >= :from AND day <= :to"
                + " ORDER BY day, interface, kind, outcome")
        .bind("from", from == null ? LocalDate.of(1970, 1, 1) : from)
        .bind("to", to == null ? LocalDate.of(9999, 12, 31) : to)
        .map(
            r ->
                new AccessCount(
                    r.get("day", LocalDate.class), r.get("interface", String.class),
                    r.get("kind", String.class), r.get("outcome", String.class),
                    r.get("requests", Long.class), r.get("response_nanos", Long.class)))
        .all();
  }
}
