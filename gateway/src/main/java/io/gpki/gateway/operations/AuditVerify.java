package io.gpki.gateway.operations;

import io.gpki.sync.AuditVerification;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RegistrationStores;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Command line: verifies the whole audit chain and every seal, and names the first broken link.
 *
 * <pre>
 * java -cp gpki-gateway.jar -Dloader.main=io.gpki.gateway.operations.AuditVerify \
 *     org.springframework.boot.loader.launch.PropertiesLauncher \
 *     --db-url postgresql://host:5432/gpki [--db-user u] [--db-password-file f]
 * </pre>
 *
 * Without {@code --db-url} it reads {@code GPKI_DB_URL}, {@code GPKI_DB_USER} and {@code
 * GPKI_DB_PASSWORD_FILE}. Exit status 0 when everything verifies, 1 when a link is broken, 2 on
 * usage or connection errors.
 */
public final class AuditVerify {

  private AuditVerify() {}

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** Runs the check and prints the result; returns the exit status. */
  public static int run(String[] args, PrintStream out) {
    String url = System.getenv("GPKI_DB_URL");
    String user = System.getenv("GPKI_DB_USER");
    String passwordFile = System.getenv("GPKI_DB_PASSWORD_FILE");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--db-url" -> url = args[i + 1];
        case "--db-user" -> user = args[i + 1];
        case "--db-password-file" -> passwordFile = args[i + 1];
        default -> {
          out.println("unknown option " + args[i]);
          return 2;
        }
      }
    }
    if (url == null) {
      out.println(
          "usage: AuditVerify --db-url postgresql://host:port/db [--db-user u] [--db-password-file f]");
      return 2;
    }
    try {
      String password =
          passwordFile == null
              ? null
              : Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
      DatabaseCoordinates db = DatabaseCoordinates.parse(url, user, password);
      AuditVerification v = RegistrationStores.verifyAudit(db);
      if (v.ok()) {
        out.printf(
            "audit log OK: %d records, %d seals verified, head seq %d%n",
            v.records(), v.seals(), v.headSeq());
        return 0;
      }
      out.printf(
          "audit log BROKEN at seq %d: %s (%d records verified before it)%n",
          v.brokenAtSeq(), v.problem(), v.records());
      return 1;
    } catch (IOException | RuntimeException e) {
      out.println("cannot verify: " + e.getMessage());
      return 2;
    }
  }
}
