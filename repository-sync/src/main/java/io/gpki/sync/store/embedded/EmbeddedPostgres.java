package io.gpki.sync.store.embedded;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts (or reuses) the embedded PostgreSQL for a data dir. Blocking: call it at startup, off any
 * event loop. Use {@link io.gpki.sync.EmbeddedDatabases#start} rather than this class.
 */
public final class EmbeddedPostgres {

  /** The application database created in the cluster. */
  static final String APP_DATABASE = "gpki";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

  private EmbeddedPostgres() {}

  /**
   * Unpacks the binaries if needed, creates the cluster if absent, starts it on {@code port} (or
   * reuses a server that an earlier run left running on it) and creates the {@code gpki} database.
   *
   * @throws IllegalStateException with what to do, when any step fails
   */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, got " + port);
    }
    long started = System.nanoTime();
    Path dir = dataDir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
      // Two JVMs on one data dir (e.g. parallel test runs) take turns starting.
      try (FileChannel lockFile =
              FileChannel.open(
                  dir.resolve(".start.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        RunningPostgres running = startLocked(dir, port);
        log.info(
            "embedded PostgreSQL ready at {} (data {}) in {} ms",
            running.coordinates(),
            dir,
            (System.nanoTime() - started) / 1_000_000);
        return running;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "embedded PostgreSQL: I/O error in "
              + dir
              + " ("
              + e
              + "). Fix the permissions or free disk space there, or set GPKI_DB_URL to an external PostgreSQL.",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("embedded PostgreSQL: interrupted while starting", e);
    }
  }

  private static RunningPostgres startLocked(Path dir, int port)
      throws IOException, InterruptedException {
    Path logDir = dir.resolve("pg-logs");
    Files.createDirectories(logDir);
    RunAs runAs = RunAs.forThisJvm(new Commands(logDir, dir, List.of()));
    runAs.checkTraversable(dir);
    runAs.own(logDir); // pg_ctl, running as that user, writes the server log here
    Path binaries = PostgresBinaries.unpack(dir.resolve("pg-bin"));
    PostgresCluster cluster = new PostgresCluster(dir, binaries, logDir, runAs);
    String password = cluster.initIfAbsent();
    DatabaseCoordinates admin =
        new DatabaseCoordinates(
            PostgresCluster.LOOPBACK, port, "postgres", PostgresCluster.SUPERUSER, password);
    if (cluster.isRunning()) {
      OptionalInt runningPort = cluster.runningPort();
      if (runningPort.isPresent() && runningPort.getAsInt() == port && answers(admin)) {
        log.info(
            "reusing the embedded PostgreSQL that an earlier run left running on port {}", port);
        return new RunningPostgres(cluster, admin.withDatabase(APP_DATABASE));
      }
      log.info(
          "stopping the embedded PostgreSQL left running on port {} to start it on port {}",
          runningPort.isPresent() ? runningPort.getAsInt() : "?",
          port);
      cluster.stop();
    }
    cluster.start(port);
    try {
      PostgresCluster.ensureDatabase(admin, APP_DATABASE);
    } catch (SQLException e) {
      cluster.stop();
      throw new IllegalStateException(
          "embedded PostgreSQL: the server started on port "
              + port
              + " but did not accept a login with the password in "
              + dir.resolve("pg-password")
              + " ("
              + e.getMessage()
              + "). Restore that file or delete "
              + cluster.pgData()
              + " to create a new cluster;"
              + " or set GPKI_DB_URL to an external PostgreSQL.",
          e);
    }
    return new RunningPostgres(cluster, admin.withDatabase(APP_DATABASE));
  }

  private static boolean answers(DatabaseCoordinates admin) {
    try {
      PostgresCluster.ensureDatabase(admin, APP_DATABASE);
      return true;
    } catch (SQLException e) {
      log.warn(
          "the embedded PostgreSQL left running does not answer ({}); restarting it",
          e.getMessage());
      return false;
    }
  }
}
