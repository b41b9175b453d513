package io.gpki.sync.store;

import io.gpki.sync.DatabaseCoordinates;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import java.time.Duration;

/** The one place that turns database coordinates into an R2DBC pool with our timeouts. */
public final class ConnectionPools {

  private ConnectionPools() {}

  /**
   * Opens a pool.
   *
   * @param db where the database is
   * @param name pool and PostgreSQL application name (shows in {@code pg_stat_activity})
   * @param initialSize connections opened at once
   * @param maxSize pool size
   */
  public static ConnectionPool open(
      DatabaseCoordinates db, String name, int initialSize, int maxSize) {
    return new ConnectionPool(
        ConnectionPoolConfiguration.builder(unpooled(db, name))
            .name(name)
            .initialSize(Math.min(initialSize, maxSize))
            .maxSize(maxSize)
            .maxAcquireTime(Duration.ofSeconds(5))
            .maxIdleTime(Duration.ofMinutes(10))
            .validationQuery("SELECT 1")
            .build());
  }

  /**
   * A factory of single connections outside any pool, for a session that must stay open and be the
   * only one of its kind (a session-level advisory lock).
   */
  public static PostgresqlConnectionFactory unpooled(DatabaseCoordinates db, String name) {
    PostgresqlConnectionConfiguration.Builder cfg =
        PostgresqlConnectionConfiguration.builder()
            .host(db.host())
            .port(db.port())
            .database(db.database())
            .username(db.user())
            .applicationName(name)
            .connectTimeout(Duration.ofSeconds(5))
            .statementTimeout(Duration.ofSeconds(30));
    if (db.password() != null) {
      cfg.password(db.password());
    }
    return new PostgresqlConnectionFactory(cfg.build());
  }
}
