package io.gpki.signer.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away SoftHSM2 installation for tests: its own {@code softhsm2.conf} and token directory
 * under the build directory, tokens created with {@code softhsm2-util}.
 *
 * <p>SoftHSM2 reads {@code SOFTHSM2_CONF} in {@code C_Initialize} and a JVM cannot set its own
 * environment, so the build sets the variable for the test JVM (see {@code signer-adapter/pom.xml})
 * and this class writes the file it names. Tests are skipped when the library, the tool or the
 * variable is missing (e.g. when run from an IDE without it).
 *
 * <p>SoftHSM2 scans the token directory only in {@code C_Initialize}: create every token a test
 * class needs before its first PKCS#11 call (e.g. in {@code @BeforeAll}); a token created later is
 * seen only after the library is re-initialised.
 *
 * <p>{@link #makeUnavailable()} moves the whole token directory away, which is how SoftHSM2 sees an
 * HSM outage; {@link #makeAvailable()} moves it back.
 */
public final class SoftHsm {

  /** The Debian/Ubuntu location of the module (package {@code softhsm2}). */
  public static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static SoftHsm instance;

  private final Path home;
  private final Path config;
  private final Path tokens;
  private final Path tokensAway;

  /** A token created for one test class. */
  public record Token(String label, Path pinFile) {}

  private SoftHsm(Path config) throws IOException {
    this.config = config;
    this.home = config.toAbsolutePath().getParent();
    this.tokens = home.resolve("tokens");
    this.tokensAway = home.resolve("tokens.away");
    // Fresh per test JVM: nothing from an earlier run may leak in. The library is not initialised
    // yet (only this class leads tests to it), so wiping is safe.
    deleteRecursively(home);
    Files.createDirectories(tokens);
    Files.writeString(
        config,
        "directories.tokendir = "
            + tokens
            + "\n"
            + "objectstore.backend = file\n"
            + "log.level = ERROR\n"
            + "slots.removable = false\n",
        StandardCharsets.UTF_8);
  }

  /** The shared installation of this test JVM; skips the test when SoftHSM2 is not usable. */
  public static synchronized SoftHsm get() throws IOException {
    assumeTrue(Files.isRegularFile(LIBRARY), "SoftHSM2 not installed: " + LIBRARY + " missing");
    assumeTrue(onPath("softhsm2-util"), "softhsm2-util not on PATH");
    String conf = System.getenv("SOFTHSM2_CONF");
    assumeTrue(
        conf != null && !conf.isBlank(),
        "SOFTHSM2_CONF not set; run through Maven, which sets it for the test JVM");
    if (instance == null) {
      instance = new SoftHsm(Path.of(conf));
    }
    return instance;
  }

  /**
   * Initialises a new token with a unique label starting with {@code prefix} and a random PIN,
   * written to a PIN file.
   */
  public Token createToken(String prefix) throws Exception {
    String label = prefix + "-" + HexFormat.of().formatHex(randomBytes(4));
    String pin = HexFormat.of().formatHex(randomBytes(6));
    String soPin = HexFormat.of().formatHex(randomBytes(6));
    run(
        List.of(
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            soPin));
    Path pinFile = home.resolve(label + ".pin");
    Files.writeString(pinFile, pin + "\n", StandardCharsets.UTF_8);
    return new Token(label, pinFile);
  }

  /** Simulates an HSM outage: the token files disappear. */
  public void makeUnavailable() throws IOException {
    Files.move(tokens, tokensAway);
  }

  /** Ends the outage. */
  public void makeAvailable() throws IOException {
    if (Files.exists(tokensAway)) {
      Files.move(tokensAway, tokens);
    }
  }

  private void run(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("SOFTHSM2_CONF", config.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " " + command.get(1) + " failed: " + output);
    }
  }

  private static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(java.io.File.pathSeparator))
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
