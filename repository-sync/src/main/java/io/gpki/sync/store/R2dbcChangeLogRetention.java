package io.gpki.sync.store;

import io.gpki.sync.ChangeLogRetention;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/** {@link ChangeLogRetention} over {@code change_log} and {@code replication_ack}. */
public final class R2dbcChangeLogRetention implements ChangeLogRetention {

  private final DatabaseClient db;

  public R2dbcChangeLogRetention(ConnectionFactory connections) {
    this.db = DatabaseClient.create(connections);
  }

  @Override
  public Mono<Pruned> prune(Instant cutoff, boolean replicated, int batch) {
    if (batch < 1) {
      return Mono.error(new IllegalArgumentException("batch must be >= 1, not " + batch));
    }
    Mono<Long> byAge =
        db.sql("SELECT coalesce(max(seq), 0) FROM change_log WHERE recorded_at < :cutoff")
            .bind("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
            .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
            .one();
    Mono<Long> byAck =
        replicated
            ? db.sql("SELECT coalesce(min(acked_seq), 0) FROM replication_ack")
                .map(r -> Objects.requireNonNull(r.get(0, Long.class)))
                .one()
            : Mono.just(Long.MAX_VALUE);
    return Mono.zip(byAge, byAck)
        .map(t -> Math.min(t.getT1(), t.getT2()))
        .flatMap(
            floor ->
                floor <= 1
                    ? Mono.just(Pruned.NONE)
                    : deleteBelow(floor, batch)
                        .map(deleted -> new Pruned(floor, deleted))
                        .defaultIfEmpty(new Pruned(floor, 0)));
  }

  /** Deletes in batches, oldest first, until none below {@code floor} is left. */
  private Mono<Long> deleteBelow(long floor, int batch) {
    Mono<Long> one =
        db.sql(
                "DELETE FROM change_log WHERE seq IN (SELECT seq FROM change_log WHERE seq < :floor"
                    + " ORDER BY seq LIMIT :batch)")
            .bind("floor", floor)
            .bind("batch", batch)
            .fetch()
            .rowsUpdated();
    return one.expand(n -> n >= batch ? one : Mono.empty()).reduce(0L, Long::sum);
  }
}
