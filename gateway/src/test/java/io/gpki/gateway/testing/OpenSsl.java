package io.gpki.gateway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the openssl command-line tool, a reference client nobody here wrote. */
public final class OpenSsl {

  /** What a command printed and how it exited. */
  public record Result(int exitCode, String output) {}

  private OpenSsl() {}

  /** Whether openssl is on the PATH. */
  public static boolean available() {
    try {
      return run(List.of("version")).exitCode() == 0;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Runs {@code openssl <args>} with a 30 s limit. */
  public static Result run(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(args);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("openssl timed out: " + cmd);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run openssl", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes DER objects as one PEM file. */
  public static Path pem(Path file, String label, List<byte[]> ders) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (byte[] der : ders) {
      sb.append("-----BEGIN ")
          .append(label)
          .append("-----\n")
          .append(
              Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(der))
          .append("\n-----END ")
          .append(label)
          .append("-----\n");
    }
    Files.writeString(file, sb.toString());
    return file;
  }
}
