package io.gpki.sync.testing;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import io.gpki.sync.EmbeddedDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The one place that picks the PostgreSQL server for tests, once per JVM:
 *
 * <ol>
 *   <li>{@code GPKI_TEST_DB_URL} if set, e.g. {@code postgresql://postgres@127.0.0.1:5432/postgres}
 *       (a superuser, or a user that may create databases);
 *   <li>else a {@code postgres:17} container, if Testcontainers finds a Docker engine;
 *   <li>else the embedded server, in {@code ${java.io.tmpdir}/gpki-test-pg-<user>}, stopped at JVM
 *       exit by the last JVM using it.
 * </ol>
 *
 * Each test class should take its own {@link #freshDatabase()}.
 */
public final class TestDatabase {

  /** Environment variable naming an external server for tests. */
  public static final String URL_ENV = "GPKI_TEST_DB_URL";

  private static final Logger log = LoggerFactory.getLogger(TestDatabase.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> created = new CopyOnWriteArrayList<>();
  private static @Nullable DatabaseCoordinates server;

  private TestDatabase() {}

  /** The chosen server's coordinates, logged in to its admin database. */
  public static synchronized DatabaseCoordinates server() {
    if (server == null) {
      Chosen chosen = choose();
      server = chosen.admin();
      // One hook, so the databases are dropped before the embedded server stops.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    dropCreated(chosen.admin());
                    chosen.atExit().run();
                  },
                  "gpki-test-db-cleanup"));
    }
    return server;
  }

  /**
   * Creates a new, empty, uniquely named database on {@link #server()} and returns its coordinates.
   */
  public static DatabaseCoordinates freshDatabase() {
    DatabaseCoordinates admin = server();
    byte[] suffix = new byte[6];
    RANDOM.nextBytes(suffix);
    String name = "gpki_test_" + HexFormat.of().formatHex(suffix);
    try (Connection connection = connect(admin);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
      created.add(name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name + " on " + admin, e);
    }
    return admin.withDatabase(name);
  }

  /** A JDBC connection with timeouts, for test setup and assertions. */
  public static Connection connect(DatabaseCoordinates coordinates) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", coordinates.user());
    if (coordinates.password() != null) {
      props.setProperty("password", coordinates.password());
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("loginTimeout", "15");
    props.setProperty("socketTimeout", "120");
    return DriverManager.getConnection(coordinates.jdbcUrl(), props);
  }

  /** Drops this JVM's databases so that a long-lived server does not fill up; best effort. */
  private static void dropCreated(DatabaseCoordinates admin) {
    if (created.isEmpty()) {
      return;
    }
    try (Connection connection = connect(admin);
        Statement statement = connection.createStatement()) {
      for (String name : created) {
        statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (SQLException | RuntimeException e) {
      System.err.println("gpki test PostgreSQL: cannot drop test databases " + created + ": " + e);
    }
  }

  /** The chosen server and what to do at JVM exit. */
  private record Chosen(DatabaseCoordinates admin, Runnable atExit) {}

  private static Chosen choose() {
    String url = System.getenv(URL_ENV);
    if (url != null && !url.isBlank()) {
      DatabaseCoordinates external = DatabaseCoordinates.parse(url, "postgres", null);
      log.info("test PostgreSQL: {} from {}", external, URL_ENV);
      return new Chosen(external, () -> {});
    }
    if (dockerAvailable()) {
      return new Chosen(Container.start(), () -> {}); // Ryuk removes the container
    }
    return Embedded.start();
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (
        Throwable e) { // no Docker must never fail the tests: fall through to the embedded server
      log.debug("no Docker engine: {}", e.toString());
      return false;
    }
  }

  /** Testcontainers' server, kept for the JVM's life (Ryuk removes it). */
  private static final class Container {
    static DatabaseCoordinates start() {
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:17");
      container.start();
      DatabaseCoordinates coordinates =
          new DatabaseCoordinates(
              container.getHost(),
              container.getMappedPort(5432),
              "postgres",
              container.getUsername(),
              container.getPassword());
      log.info("test PostgreSQL: {} in a Testcontainers postgres:17 container", coordinates);
      return coordinates;
    }
  }

  /**
   * The embedded server, shared by the JVMs of one user: each holds a shared lock on {@code
   * users.lock} while it uses the server, and at exit the JVM that can take the lock exclusively
   * (the last user) stops the server.
   */
  private static final class Embedded {
    static Chosen start() {
      Path dir =
          Path.of(
              System.getProperty("java.io.tmpdir"),
              "gpki-test-pg-" + System.getProperty("user.name"));
      try {
        Files.createDirectories(dir);
        FileChannel users =
            FileChannel.open(
                dir.resolve("users.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock shared = lockShared(users);
        EmbeddedDatabase db = EmbeddedDatabases.start(dir, port(dir));
        log.info("test PostgreSQL: {} embedded, data in {}", db.coordinates(), dir);
        return new Chosen(
            db.coordinates().withDatabase("postgres"), () -> stopIfLast(db, users, shared));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static FileLock lockShared(FileChannel users) throws IOException {
      long deadline =
          System.nanoTime() + 180_000_000_000L; // another JVM may be stopping the server
      while (true) {
        FileLock lock = users.tryLock(0, Long.MAX_VALUE, true);
        if (lock != null) {
          return lock;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("another JVM holds " + users + " for over 3 minutes");
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    private static void stopIfLast(EmbeddedDatabase db, FileChannel users, FileLock shared) {
      try {
        shared.release();
        FileLock exclusive = users.tryLock();
        if (exclusive != null) {
          db.close();
          exclusive.release();
        }
        users.close();
      } catch (IOException | RuntimeException e) {
        System.err.println("gpki test PostgreSQL: stop failed: " + e);
      }
    }

    /** The port used last time (the server may still run on it), else a free one. */
    private static int port(Path dir) throws IOException {
      Path file = dir.resolve("port");
      if (Files.isRegularFile(file)) {
        int last = Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).strip());
        if (Files.exists(dir.resolve("pg/postmaster.pid")) || free(last)) {
          return last;
        }
      }
      int port;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
        port = socket.getLocalPort();
      }
      Files.writeString(file, port + "\n", StandardCharsets.UTF_8);
      return port;
    }

    private static boolean free(int port) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
