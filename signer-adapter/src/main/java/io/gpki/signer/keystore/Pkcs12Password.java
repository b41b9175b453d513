package io.gpki.signer.keystore;

import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.SignerException;
import io.gpki.signer.SignerException.Kind;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a PKCS#12 password from its mounted file or environment variable, never from YAML. */
final class Pkcs12Password {

  private Pkcs12Password() {}

  /**
   * The password; the caller wipes the array. Read on every use so a rotated secret file takes
   * effect without a restart. Error messages name the file or variable, never the value.
   */
  static char[] read(KeySourceSpec.Pkcs12 spec) throws Exception {
    Path file = spec.passwordFile();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new SignerException(
            Kind.UNAVAILABLE,
            "password file "
                + file
                + " of key source "
                + spec.name()
                + " does not exist"
                + (Files.exists(spec.path())
                    ? ""
                    : " (and neither does keystore "
                        + spec.path()
                        + "; create the password file first, e.g. via the demo bootstrap)"));
      }
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line = reader.readLine();
        return nonEmpty(line == null ? "" : line.trim(), "password file " + file, spec);
      }
    }
    String variable = spec.passwordEnv();
    if (variable == null || variable.isBlank()) {
      throw new SignerException(
          Kind.UNAVAILABLE,
          "key source " + spec.name() + " names neither a password file nor a password variable");
    }
    String value = System.getenv(variable);
    return nonEmpty(value == null ? "" : value, "environment variable " + variable, spec);
  }

  private static char[] nonEmpty(String value, String where, KeySourceSpec.Pkcs12 spec) {
    if (value.isEmpty()) {
      throw new SignerException(
          Kind.UNAVAILABLE, where + " of key source " + spec.name() + " holds no password");
    }
    return value.toCharArray();
  }
}
