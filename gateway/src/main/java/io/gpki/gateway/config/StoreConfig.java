package io.gpki.gateway.config;

import io.gpki.gateway.repository.CertificateSearchKeys;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import io.gpki.sync.EmbeddedDatabases;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The database: an external PostgreSQL when {@code gpki.db.url} ({@code GPKI_DB_URL}) is set, else
 * an embedded one under {@code dataDir/db}. Migrations run here, at startup on the main thread,
 * before anything uses the R2DBC pool.
 */
@Configuration(proxyBeanMethods = false)
public class StoreConfig {

  private static final Logger LOG = LoggerFactory.getLogger(StoreConfig.class);

  /** The database in use; stops the embedded server (fast shutdown) with the context. */
  static final class Database implements AutoCloseable {
    final DatabaseCoordinates coordinates;
    final @Nullable EmbeddedDatabase embedded;

    Database(DatabaseCoordinates coordinates, @Nullable EmbeddedDatabase embedded) {
      this.coordinates = coordinates;
      this.embedded = embedded;
    }

    @Override
    public void close() {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  @Bean(destroyMethod = "close")
  Database database(GatewayProperties props) {
    GatewayProperties.Db db = props.db();
    if (db.url() != null && !db.url().isBlank()) {
      return new Database(
          DatabaseCoordinates.parse(db.url(), db.user(), readPassword(db.passwordFile())), null);
    }
    Path dir = props.dataDir().toAbsolutePath().normalize().resolve("db");
    LOG.info("no gpki.db.url / GPKI_DB_URL set: starting the embedded PostgreSQL in {}", dir);
    EmbeddedDatabase embedded = EmbeddedDatabases.start(dir, db.embeddedPort());
    return new Database(embedded.coordinates(), embedded);
  }

  /**
   * Restarts the embedded server if it dies (with backoff); nothing for an external database. See
   * docs/storage.md.
   */
  @Bean(destroyMethod = "close")
  AutoCloseable embeddedDatabaseWatchdog(Database database, MeterRegistry meters) {
    EmbeddedDatabase embedded = database.embedded;
    if (embedded == null) {
      return () -> {};
    }
    return new EmbeddedDatabaseWatchdog(embedded, meters, System::nanoTime).start();
  }

  @Bean
  DatabaseCoordinates databaseCoordinates(Database database) {
    return database.coordinates;
  }

  @Bean(destroyMethod = "close")
  RepositoryStore repositoryStore(DatabaseCoordinates db, GatewayProperties props, Clock clock) {
    String version = RepositoryStore.migrate(db);
    LOG.info("database {} at schema version {}", db, version);
    // Every stored certificate gets the RFC 4387 lookup keys the gateway's query parser uses.
    return RepositoryStore.open(db, props.db().poolSize(), clock, new CertificateSearchKeys());
  }

  private static @Nullable String readPassword(@Nullable Path file) {
    if (file == null) {
      return null;
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the database password file " + file, e);
    }
  }
}
