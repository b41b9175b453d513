package io.gpki.gateway.registration;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The gateway as a separate OS process (same JVM binary, the test classpath), for crash tests. */
final class GatewayProcess implements AutoCloseable {

  private final List<String> command;
  private final Path log;
  final int httpPort;
  final int lraPort;
  private Process process;
  private int starts;

  GatewayProcess(DatabaseCoordinates db, Path dataDir, String... extraArgs) throws IOException {
    this.httpPort = freePort();
    this.lraPort = freePort();
    this.log = dataDir.resolve("gateway-process.log");
    command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "--add-opens",
                "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                "io.gpki.gateway.GatewayApplication",
                "--server.port=" + httpPort,
                "--management.server.port=0", // 8081 may be taken on this machine
                "--gpki.registration.port=" + lraPort,
                "--gpki.repository.ldap.port=0", // an ephemeral LDAP port: 1389 may be taken on
                // this machine
                "--gpki.data-dir=" + dataDir,
                "--gpki.db.url=postgresql://" + db.host() + ":" + db.port() + "/" + db.database(),
                "--gpki.db.user=" + db.user(),
                "--spring.main.lazy-initialization=false"));
    if (db.password() != null) {
      Path pass = dataDir.resolve("db.pass");
      Files.writeString(pass, db.password());
      command.add("--gpki.db.password-file=" + pass);
    }
    command.addAll(List.of(extraArgs));
  }

  /** Starts the process and waits until the LRA listener is up. */
  Duration start(Duration limit) throws Exception {
    Instant begin = Instant.now();
    starts++;
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try {
      Await.until(
          "the gateway's LRA listener",
          () -> {
            if (!process.isAlive()) {
              throw new AssertionError(
                  "gateway exited with " + process.exitValue() + "; log: " + tail());
            }
            return http.send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + httpPort + DemoLraEndpoint.PATH))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
          },
          r -> r.statusCode() == 200 && r.body().contains("\"listening\":true"),
          limit);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; log: " + tail(), e);
    }
    return Duration.between(begin, Instant.now());
  }

  /** SIGKILL: no shutdown hook, no flush, nothing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  int starts() {
    return starts;
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
