package io.gpki.sync.store.embedded;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A started embedded server; {@link #close()} stops it once. */
final class RunningPostgres implements EmbeddedDatabase {

  private static final Logger log = LoggerFactory.getLogger(RunningPostgres.class);

  private final PostgresCluster cluster;
  private final DatabaseCoordinates coordinates;
  private final AtomicBoolean closed = new AtomicBoolean();

  RunningPostgres(PostgresCluster cluster, DatabaseCoordinates coordinates) {
    this.cluster = cluster;
    this.coordinates = coordinates;
  }

  @Override
  public DatabaseCoordinates coordinates() {
    return coordinates;
  }

  @Override
  public synchronized boolean ensureRunning() {
    if (closed.get() || cluster.isRunning()) {
      return false;
    }
    log.warn(
        "embedded PostgreSQL in {} is not running; starting it again on port {}",
        cluster.pgData(),
        coordinates.port());
    try {
      cluster.start(coordinates.port());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("embedded PostgreSQL: could not start it again: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "embedded PostgreSQL: interrupted while starting it again", e);
    }
    log.info(
        "embedded PostgreSQL in {} running again on port {}", cluster.pgData(), coordinates.port());
    return true;
  }

  @Override
  public synchronized void close() {
    if (closed.compareAndSet(false, true)) {
      cluster.stop();
      log.info("embedded PostgreSQL in {} stopped", cluster.pgData());
    }
  }

  @Override
  public String toString() {
    return "EmbeddedDatabase[" + coordinates + "]";
  }
}
