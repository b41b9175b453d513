package io.gpki.sync.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import io.gpki.sync.EmbeddedDatabases;
import io.gpki.sync.testing.TestDatabase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the real embedded server; as root (CI) this covers the unprivileged-user path too. */
class EmbeddedDatabaseIT {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabaseIT.class);

  @TempDir Path tmp;
  private Path dataDir;
  private int port;
  private final List<EmbeddedDatabase> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    // @TempDir is mode 0700; as root, the database user must be able to enter it.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    dataDir = tmp.resolve("data");
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
  }

  @AfterEach
  void stopAll() {
    started.forEach(EmbeddedDatabase::close);
  }

  @Test
  void stateSurvivesStopAndStart() throws Exception {
    EmbeddedDatabase first = start("first start (unpack + initdb)");
    DatabaseCoordinates coordinates = first.coordinates();
    assertThat(coordinates.database()).isEqualTo("gpki");
    assertThat(coordinates.host()).isEqualTo("127.0.0.1");
    assertThat(coordinates.port()).isEqualTo(port);
    assertThat(coordinates.password()).isNotBlank();
    assertThat(Files.getPosixFilePermissions(dataDir.resolve("pg-password")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(dataDir.resolve("pg-password"), StandardCharsets.UTF_8).strip())
        .isEqualTo(coordinates.password());
    if (isRoot()) {
      int owner =
          (Integer)
              Files.getAttribute(dataDir.resolve("pg"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
      assertThat(owner).as("cluster owned by an unprivileged user").isNotZero();
    }
    execute(
        coordinates, "CREATE TABLE kept (note text)", "INSERT INTO kept VALUES ('before restart')");
    first.close();

    EmbeddedDatabase second = start("second start (same dir)");
    assertThat(second.coordinates()).isEqualTo(coordinates);
    assertThat(query(second.coordinates(), "SELECT note FROM kept")).isEqualTo("before restart");
    assertThat(query(second.coordinates(), "SELECT current_setting('server_encoding')"))
        .isEqualTo("UTF8");
    second.close();
  }

  @Test
  void recoversAfterThePostmasterIsKilled() throws Exception {
    EmbeddedDatabase first = start("first start (unpack + initdb)");
    execute(
        first.coordinates(),
        "CREATE TABLE kept (note text)",
        "INSERT INTO kept VALUES ('committed')");
    long pid =
        Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).strip());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    assertThat(postmaster.destroyForcibly()).as("SIGKILL sent").isTrue();
    postmaster.onExit().get(30, TimeUnit.SECONDS);
    assertThat(dataDir.resolve("pg/postmaster.pid")).as("stale pid file left behind").exists();

    EmbeddedDatabase second = start("start after SIGKILL");
    assertThat(query(second.coordinates(), "SELECT note FROM kept")).isEqualTo("committed");
  }

  /** Issue 16 (2): the running handle starts its server again after a SIGKILL, data intact. */
  @Test
  void ensureRunningStartsAKilledServerAgain() throws Exception {
    EmbeddedDatabase db = start("first start (unpack + initdb)");
    assertThat(db.ensureRunning()).as("nothing to do while it runs").isFalse();
    execute(
        db.coordinates(), "CREATE TABLE kept (note text)", "INSERT INTO kept VALUES ('committed')");
    long pid =
        Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).strip());
    ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
    assertThat(postmaster.destroyForcibly()).as("SIGKILL sent").isTrue();
    postmaster.onExit().get(30, TimeUnit.SECONDS);

    assertThat(db.ensureRunning()).as("started again").isTrue();
    assertThat(query(db.coordinates(), "SELECT note FROM kept")).isEqualTo("committed");
    assertThat(db.ensureRunning()).isFalse();
    db.close();
    assertThat(db.ensureRunning()).as("a closed database stays stopped").isFalse();
  }

  @Test
  void reusesAServerLeftRunningByAnEarlierRun() throws Exception {
    EmbeddedDatabase first = start("first start (unpack + initdb)");
    long pid =
        Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).strip());
    // Not closing 'first' is what a JVM killed with SIGKILL leaves behind.
    EmbeddedDatabase second = start("start with the server still running");
    long pidAfter =
        Long.parseLong(Files.readAllLines(dataDir.resolve("pg/postmaster.pid")).get(0).strip());
    assertThat(pidAfter).isEqualTo(pid);
    assertThat(query(second.coordinates(), "SELECT 'up'")).isEqualTo("up");
    assertThat(first.coordinates()).isEqualTo(second.coordinates());
  }

  private EmbeddedDatabase start(String what) {
    long t0 = System.nanoTime();
    EmbeddedDatabase db = EmbeddedDatabases.start(dataDir, port);
    log.info("{}: {} ms", what, (System.nanoTime() - t0) / 1_000_000);
    started.add(db);
    return db;
  }

  private static boolean isRoot() {
    return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
  }

  private static void execute(DatabaseCoordinates db, String... sql) throws SQLException {
    try (Connection connection = TestDatabase.connect(db);
        Statement statement = connection.createStatement()) {
      for (String s : sql) {
        statement.execute(s);
      }
    }
  }

  private static String query(DatabaseCoordinates db, String sql) throws SQLException {
    try (Connection connection = TestDatabase.connect(db);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).isTrue();
      return rows.getString(1);
    }
  }
}
