package io.gpki.sync.store;

import io.gpki.sync.DatabaseCoordinates;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Runs the versioned Flyway migrations in {@code classpath:db/gpki} over JDBC. Blocking. */
public final class SchemaMigrator {

  private SchemaMigrator() {}

  /** Migrates and returns the resulting schema version. */
  public static String migrate(DatabaseCoordinates db) {
    Flyway flyway =
        Flyway.configure()
            .dataSource(db.jdbcUrl(), db.user(), db.password())
            .locations("classpath:db/gpki")
            .table("gpki_schema_history")
            .connectRetries(3)
            .load();
    MigrateResult result = flyway.migrate();
    ChangeLogSealer.seal(db);
    return result.targetSchemaVersion != null
        ? result.targetSchemaVersion
        : String.valueOf(
            flyway.info().current() == null ? "none" : flyway.info().current().getVersion());
  }
}
