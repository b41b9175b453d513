package io.gpki.sync.store.embedded;

import io.gpki.sync.DatabaseCoordinates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One PostgreSQL cluster in {@code <dataDir>/pg}: created by initdb on first use, started and
 * stopped with pg_ctl. It listens only on 127.0.0.1 (no Unix socket) with scram-sha-256 logins; the
 * superuser's generated password is in {@code <dataDir>/pg-password} (mode 0600).
 */
final class PostgresCluster {

  static final String SUPERUSER = "postgres";
  static final String LOOPBACK = "127.0.0.1";
  private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(20);
  private static final String WAIT_SECONDS = "60";
  private static final int START_ATTEMPTS = 10;
  private static final String ADVICE = "Or set GPKI_DB_URL to an external PostgreSQL.";

  private final Path dataDir;
  private final Path pgData;
  private final Path bin;
  private final Path passwordFile;
  private final Path serverLog;
  private final Path logDir;
  private final RunAs runAs;
  private final Commands pg;

  PostgresCluster(Path dataDir, Path binaries, Path logDir, RunAs runAs) {
    this.dataDir = dataDir;
    this.pgData = dataDir.resolve("pg");
    this.bin = binaries.resolve("bin");
    this.passwordFile = dataDir.resolve("pg-password");
    this.serverLog = logDir.resolve("postgres.log");
    this.logDir = logDir;
    this.runAs = runAs;
    this.pg = new Commands(logDir, dataDir, runAs.prefix());
  }

  Path pgData() {
    return pgData;
  }

  /** Creates the cluster unless it exists; returns the superuser's password. */
  String initIfAbsent() throws IOException {
    if (Files.isRegularFile(pgData.resolve("PG_VERSION"))) {
      if (!Files.isRegularFile(passwordFile)) {
        throw new IllegalStateException(
            "embedded PostgreSQL: the cluster "
                + pgData
                + " exists but its password"
                + " file "
                + passwordFile
                + " is missing. Restore that file, or delete "
                + pgData
                + " to create a new, empty cluster. "
                + ADVICE);
      }
      if (runAs.switchesUser() && !runAs.owns(pgData)) {
        // An earlier run used another OS user (e.g. not root); hand the files to the current one.
        new Commands(logDir, dataDir, List.of())
            .runOrFail(
                "chown",
                PG_CTL_TIMEOUT,
                List.of("chown", "-R", runAs.uid() + ":" + runAs.gid(), pgData.toString()),
                "Fix the owner of " + pgData + " by hand.");
      }
      return Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
    }
    if (Files.exists(pgData)) {
      throw new IllegalStateException(
          "embedded PostgreSQL: "
              + pgData
              + " exists but is not a PostgreSQL"
              + " cluster (no PG_VERSION). Move it away or delete it. "
              + ADVICE);
    }
    Path staging = dataDir.resolve("pg.init");
    FileTrees.delete(staging);
    Files.createDirectory(
        staging,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    runAs.own(staging);
    String password = newPassword();
    Files.deleteIfExists(passwordFile);
    writeSecret(passwordFile, password);
    Path initPassword = dataDir.resolve("pg.init-password");
    Files.deleteIfExists(initPassword);
    writeSecret(initPassword, password);
    runAs.own(initPassword);
    try {
      pg.runOrFail(
          "initdb",
          INITDB_TIMEOUT,
          List.of(
              bin.resolve("initdb").toString(),
              "-D",
              staging.toString(),
              "-U",
              SUPERUSER,
              "--pwfile=" + initPassword,
              "--auth=scram-sha-256",
              "-E",
              "UTF8",
              "--locale=C",
              "--no-instructions"),
          "Check that "
              + dataDir
              + " is writable"
              + (runAs.switchesUser() ? " by user " + runAs.user() : "")
              + " and the disk is not full. "
              + ADVICE);
    } finally {
      Files.deleteIfExists(initPassword);
    }
    Files.writeString(
        staging.resolve("postgresql.conf"),
        "\n# gpki embedded server\n"
            + "listen_addresses = '"
            + LOOPBACK
            + "'\n"
            + "unix_socket_directories = ''\n"
            + "password_encryption = 'scram-sha-256'\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
    Path hba = staging.resolve("pg_hba.conf");
    Files.writeString(
        hba,
        "# gpki embedded server: TCP from loopback only, passwords only\n"
            + "host all all "
            + LOOPBACK
            + "/32 scram-sha-256\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.TRUNCATE_EXISTING);
    runAs.own(hba);
    Files.move(staging, pgData);
    return password;
  }

  /**
   * Whether pg_ctl sees a live postmaster for this cluster (a stale postmaster.pid counts as not
   * running).
   */
  boolean isRunning() {
    return pg.run(
            "pg_ctl-status",
            STATUS_TIMEOUT,
            List.of(bin.resolve("pg_ctl").toString(), "status", "-D", pgData.toString()))
        == 0;
  }

  /** The port in postmaster.pid (4th line), if the file is there. */
  OptionalInt runningPort() {
    try {
      List<String> lines =
          Files.readAllLines(pgData.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      return lines.size() >= 4
          ? OptionalInt.of(Integer.parseInt(lines.get(3).strip()))
          : OptionalInt.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /** The postmaster's process id from postmaster.pid, if present. */
  OptionalInt postmasterPid() {
    try {
      List<String> lines =
          Files.readAllLines(pgData.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      return lines.isEmpty()
          ? OptionalInt.empty()
          : OptionalInt.of(Integer.parseInt(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  /**
   * Starts the server on {@code port} and waits until it accepts connections. Retries a few times
   * when a crashed server's processes still hold the shared memory or the lock file.
   */
  void start(int port) throws IOException, InterruptedException {
    checkPortFree(port);
    for (int attempt = 1; ; attempt++) {
      long logOffset = Files.exists(serverLog) ? Files.size(serverLog) : 0;
      int exit =
          pg.run(
              "pg_ctl-start",
              PG_CTL_TIMEOUT,
              List.of(
                  bin.resolve("pg_ctl").toString(),
                  "start",
                  "-D",
                  pgData.toString(),
                  "-l",
                  serverLog.toString(),
                  "-w",
                  "-t",
                  WAIT_SECONDS,
                  "-o",
                  "-p " + port));
      if (exit == 0) {
        return;
      }
      String news = readFrom(serverLog, logOffset);
      boolean leftovers = news.contains("still in use") || news.contains("already exists");
      if (!leftovers || attempt >= START_ATTEMPTS) {
        throw new IllegalStateException(
            "embedded PostgreSQL: could not start the server in "
                + pgData
                + " on "
                + LOOPBACK
                + ":"
                + port
                + " (pg_ctl exit "
                + exit
                + "). "
                + startAdvice(news, port)
                + " Logs: "
                + serverLog
                + ", "
                + pg.logFile("pg_ctl-start")
                + Commands.tail(serverLog));
      }
      awaitLeftoversGone(Duration.ofSeconds(5));
    }
  }

  /**
   * Waits, at most {@code max}, for processes still running this installation's {@code postgres}
   * binary to exit: after a SIGKILL of the postmaster its children notice and exit shortly, and
   * until then they hold the shared memory a new server needs. Returns early when there are none.
   */
  private void awaitLeftoversGone(Duration max) throws InterruptedException {
    String postgres = bin.resolve("postgres").toString();
    CompletableFuture<?>[] exits =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().command().map(postgres::equals).orElse(false))
            .map(ProcessHandle::onExit)
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(exits).get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // still there: the next attempt reports what the server says
    }
  }

  /** Fast shutdown (rolls back open transactions, no wait for clients); no-op if not running. */
  void stop() {
    if (!isRunning()) {
      return;
    }
    pg.runOrFail(
        "pg_ctl-stop",
        PG_CTL_TIMEOUT,
        List.of(
            bin.resolve("pg_ctl").toString(),
            "stop",
            "-D",
            pgData.toString(),
            "-m",
            "fast",
            "-w",
            "-t",
            WAIT_SECONDS),
        "Stop it by hand: kill -INT $(head -1 " + pgData.resolve("postmaster.pid") + ").");
  }

  /**
   * Creates {@code database} unless it exists; throws SQLException when the server does not answer.
   */
  static void ensureDatabase(DatabaseCoordinates admin, String database) throws SQLException {
    try (Connection connection = connect(admin);
        PreparedStatement exists =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, database);
      try (ResultSet rows = exists.executeQuery()) {
        if (rows.next()) {
          return;
        }
      }
      try (Statement create = connection.createStatement()) {
        create.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
      }
    }
  }

  /** A JDBC connection with connect, login and socket timeouts (no unbounded waits). */
  static Connection connect(DatabaseCoordinates coordinates) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", coordinates.user());
    if (coordinates.password() != null) {
      props.setProperty("password", coordinates.password());
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("loginTimeout", "15");
    props.setProperty("socketTimeout", "60");
    return DriverManager.getConnection(coordinates.jdbcUrl(), props);
  }

  private static void checkPortFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true); // as postgres does, so a port in TIME_WAIT counts as free
      socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "embedded PostgreSQL: port "
              + port
              + " on "
              + LOOPBACK
              + " is in use ("
              + e.getMessage()
              + "). Free it (see 'ss -ltnp sport = :"
              + port
              + "'), choose another port, or set"
              + " GPKI_DB_URL to an external PostgreSQL.",
          e);
    }
  }

  private String startAdvice(String log, int port) {
    if (log.contains("could not bind") || log.contains("Address already in use")) {
      return "Port " + port + " is in use: free it or choose another port. " + ADVICE;
    }
    if (log.contains("Permission denied") || log.contains("permissions")) {
      return "Fix the permissions of "
          + dataDir
          + (runAs.switchesUser() ? " for user " + runAs.user() : "")
          + ". "
          + ADVICE;
    }
    return "See the log below. " + ADVICE;
  }

  private static String readFrom(Path file, long offset) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(Math.min(offset, Files.size(file)));
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void writeSecret(Path file, String secret) throws IOException {
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
