package io.gpki.sync.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands with a time limit, output appended to a log file (never a pipe, so a
 * server that a command leaves running cannot make us wait for end of stream).
 */
final class Commands {

  private static final int TAIL_LINES = 25;

  private final Path logDir;
  private final Path workDir;
  private final List<String> prefix;

  /**
   * @param logDir where each step's output goes ({@code <step>.log})
   * @param workDir the working directory (must be reachable by the user the commands run as, since
   *     initdb and pg_ctl fail when they cannot resolve their current directory)
   * @param prefix prepended to every command, e.g. {@code setpriv --reuid=..}; empty to run
   *     directly
   */
  Commands(Path logDir, Path workDir, List<String> prefix) {
    this.logDir = logDir;
    this.workDir = workDir;
    this.prefix = List.copyOf(prefix);
  }

  Path logFile(String step) {
    return logDir.resolve(step + ".log");
  }

  /** Runs the command and returns its exit code; throws if it does not end within the timeout. */
  int run(String step, Duration timeout, List<String> command) {
    List<String> full = new ArrayList<>(prefix);
    full.addAll(command);
    Path log = logFile(step);
    ProcessBuilder builder =
        new ProcessBuilder(full).redirectErrorStream(true).directory(workDir.toFile());
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().put("LC_ALL", "C");
    builder.environment().put("LANG", "C");
    try {
      Files.writeString(
          log,
          "\n$ " + String.join(" ", full) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "embedded PostgreSQL: '"
                + String.join(" ", command)
                + "' did not finish within "
                + timeout.toSeconds()
                + " s; see "
                + log
                + tail(log));
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "embedded PostgreSQL: cannot run "
              + full.get(0)
              + " ("
              + e.getMessage()
              + "); see "
              + log,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("embedded PostgreSQL: interrupted while running " + step, e);
    }
  }

  /** Runs the command and throws, with the log tail and the given advice, unless it exits 0. */
  void runOrFail(String step, Duration timeout, List<String> command, String advice) {
    int exit = run(step, timeout, command);
    if (exit != 0) {
      throw new IllegalStateException(
          "embedded PostgreSQL: '"
              + String.join(" ", command)
              + "' failed (exit "
              + exit
              + "). "
              + advice
              + " Log: "
              + logFile(step)
              + tail(logFile(step)));
    }
  }

  /** Runs the command and returns its output (stdout and stderr), or throws unless it exits 0. */
  String capture(String step, Duration timeout, List<String> command) {
    Path out = logDir.resolve(step + ".out");
    List<String> full = new ArrayList<>(prefix);
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full).redirectErrorStream(true).directory(workDir.toFile());
    builder.redirectOutput(out.toFile());
    try {
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "embedded PostgreSQL: '"
                + String.join(" ", full)
                + "' did not finish within "
                + timeout.toSeconds()
                + " s");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "embedded PostgreSQL: '"
                + String.join(" ", full)
                + "' failed (exit "
                + process.exitValue()
                + "): "
                + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL: cannot run " + full.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("embedded PostgreSQL: interrupted while running " + step, e);
    } finally {
      try {
        Files.deleteIfExists(out);
      } catch (IOException ignored) {
        // A leftover capture file is harmless; the next run overwrites it.
      }
    }
  }

  /** The last lines of a log file, formatted to append to an exception message. */
  static String tail(Path log) {
    try {
      if (!Files.isRegularFile(log)) {
        return "";
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
      return "\n--- last lines of " + log + " ---\n" + String.join("\n", last);
    } catch (IOException | UncheckedIOException e) {
      return "\n(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
