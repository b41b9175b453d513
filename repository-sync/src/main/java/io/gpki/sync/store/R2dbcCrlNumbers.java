package io.gpki.sync.store;

import io.gpki.sync.CrlNumbers;
import io.gpki.sync.StoreException;
import io.r2dbc.spi.ConnectionFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * {@link CrlNumbers} over {@code crl_number_state}. One transaction: lock the CA row (conflicting
 * with the archive's lock), read the highest archived number (so a deployment numbered 1, 2, 3 ...
 * before V7 moves above its last list), then upsert {@code t} and refuse a lower epoch than the
 * stored one.
 */
public final class R2dbcCrlNumbers implements CrlNumbers {

  private static final BigInteger MAX_T = EPOCH_RANGE.subtract(BigInteger.ONE);

  private final DatabaseClient db;
  private final TransactionalOperator tx;

  public R2dbcCrlNumbers(ConnectionFactory connections) {
    this.db = DatabaseClient.create(connections);
    this.tx = TransactionalOperator.create(new R2dbcTransactionManager(connections));
  }

  @Override
  public Mono<BigInteger> reserve(String caId, String scope, long epoch, long nowMillis) {
    if (epoch < 1) {
      return Mono.error(new IllegalArgumentException("epoch must be >= 1, not " + epoch));
    }
    BigInteger base = CrlNumbers.number(epoch, BigInteger.ZERO);
    Mono<BigInteger> work =
        // NO KEY UPDATE: excludes the archive (FOR UPDATE) and other reservations, but not the FOR
        // KEY
        // SHARE that certificate inserts take through their foreign key, so issuance never waits on
        // it.
        db.sql("SELECT id FROM ca WHERE id = :id FOR NO KEY UPDATE")
            .bind("id", caId)
            .map(r -> r.get(0, String.class))
            .one()
            .switchIfEmpty(Mono.error(new StoreException.NotFound("no CA " + caId)))
            .then(
                db.sql("SELECT max(crl_number) FROM crl WHERE ca_id = :id AND scope = :scope")
                    .bind("id", caId)
                    .bind("scope", scope)
                    .map(r -> Optional.ofNullable(r.get(0, BigDecimal.class)))
                    .one())
            .flatMap(
                max -> {
                  // t must put the number above every archived list (replicated ones included).
                  BigInteger floor = BigInteger.valueOf(Math.max(0, nowMillis));
                  if (max.isPresent()) {
                    BigInteger above =
                        max.get().toBigIntegerExact().subtract(base).add(BigInteger.ONE);
                    floor = floor.max(above);
                  }
                  if (floor.compareTo(MAX_T) > 0) {
                    return Mono.error(
                        stale(
                            caId, scope, epoch, "an archived list has a number of a higher epoch"));
                  }
                  return db.sql(
                          "INSERT INTO crl_number_state (ca_id, scope, epoch, last_t) VALUES (:ca, :scope,"
                              + " :epoch, :t) ON CONFLICT (ca_id, scope) DO UPDATE SET epoch ="
                              + " EXCLUDED.epoch, last_t = greatest(EXCLUDED.last_t, crl_number_state.last_t + 1)"
                              + " WHERE crl_number_state.epoch <= EXCLUDED.epoch RETURNING last_t")
                      .bind("ca", caId)
                      .bind("scope", scope)
                      .bind("epoch", epoch)
                      .bind("t", new BigDecimal(floor))
                      .map(r -> r.get(0, BigDecimal.class).toBigIntegerExact())
                      .one()
                      .switchIfEmpty(
                          Mono.error(
                              () ->
                                  stale(
                                      caId, scope, epoch, "its numbers belong to a higher epoch")));
                })
            .flatMap(
                t ->
                    t.compareTo(MAX_T) > 0
                        ? Mono.error(
                            stale(caId, scope, epoch, "the epoch's number range is exhausted"))
                        : Mono.just(CrlNumbers.number(epoch, t)));
    return tx.transactional(work);
  }

  private static StoreException.StaleEpoch stale(
      String caId, String scope, long epoch, String why) {
    return new StoreException.StaleEpoch(
        "no " + scope + " number of " + caId + " for epoch " + epoch + ": " + why);
  }
}
