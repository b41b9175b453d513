package io.gpki.gateway.testing;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntSupplier;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Points a gateway test context at a fresh PostgreSQL database (chosen by {@link TestDatabase}) and
 * a fresh data folder for its keys.
 */
public final class GatewayTestSupport {

  private static io.gpki.signer.testing.SoftHsm.@org.jspecify.annotations.Nullable Token hsmToken;

  private GatewayTestSupport() {}

  /**
   * The one SoftHSM2 token of this test JVM. SoftHSM2 scans its token directory only when the
   * PKCS#11 library initialises, so a token made after the first test context started would be
   * invisible; every gateway test that uses PKCS#11 shares this token (key ids are reused by id,
   * like after a restart).
   */
  public static synchronized io.gpki.signer.testing.SoftHsm.Token hsmToken() throws Exception {
    if (hsmToken == null) {
      hsmToken = io.gpki.signer.testing.SoftHsm.get().createToken("gpki-gw-it");
    }
    return hsmToken;
  }

  /** Registers database and data-dir properties for one test class. */
  public static Path register(DynamicPropertyRegistry registry) {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    try {
      Path dataDir = Files.createTempDirectory("gpki-gateway-test");
      registry.add("gpki.data-dir", dataDir::toString);
      // Several contexts live at once in one test JVM (Spring caches them): every listener of ours
      // takes a free port instead of its fixed default.
      registry.add("gpki.repository.ldap.port", () -> "0");
      registry.add("gpki.registration.port", () -> "0");
      registry.add(
          "gpki.db.url", () -> "postgresql://" + db.host() + ":" + db.port() + "/" + db.database());
      registry.add("gpki.db.user", db::user);
      if (db.password() != null) {
        Path passwordFile = dataDir.resolve("db.pass");
        Files.writeString(passwordFile, db.password());
        registry.add("gpki.db.password-file", passwordFile::toString);
      }
      return dataDir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Two key sources for a test context: {@code hsm} on the shared SoftHSM2 token ({@link
   * #hsmToken()}) for the listed CAs, and {@code soft} (PKCS#12 under {@code dataDir/keys}) for
   * every other CA.
   */
  public static void registerHsmAndSoftSources(
      DynamicPropertyRegistry registry, Path dataDir, String... hsmCas) throws Exception {
    io.gpki.signer.testing.SoftHsm.Token token = hsmToken();
    registry.add("gpki.signer.sources[0].name", () -> "hsm");
    registry.add("gpki.signer.sources[0].type", () -> "pkcs11");
    registry.add(
        "gpki.signer.sources[0].library", io.gpki.signer.testing.SoftHsm.LIBRARY::toString);
    registry.add("gpki.signer.sources[0].token-label", token::label);
    registry.add("gpki.signer.sources[0].pin-file", () -> token.pinFile().toString());
    registry.add("gpki.signer.sources[0].sessions", () -> "2");
    registry.add("gpki.signer.sources[1].name", () -> "soft");
    registry.add("gpki.signer.sources[1].type", () -> "pkcs12");
    registry.add("gpki.signer.sources[1].path", () -> dataDir.resolve("keys/soft.p12").toString());
    registry.add(
        "gpki.signer.sources[1].password-file", () -> dataDir.resolve("keys/soft.pass").toString());
    Files.createDirectories(dataDir.resolve("keys"));
    Files.writeString(dataDir.resolve("keys/soft.pass"), "test-only-password\n");
    for (String ca : hsmCas) {
      registry.add("gpki.signer.ca-sources." + ca, () -> "hsm");
    }
    registry.add("gpki.signer.default-source", () -> "soft");
  }

  /** Waits until the repository index answers 200 (the demo PKI is up), at most {@code limit}. */
  public static void awaitReady(WebTestClient client, Duration limit) {
    Instant deadline = Instant.now().plus(limit);
    Await.until(
        "the repository index answers 200",
        () ->
            client
                .get()
                .uri("/repository")
                .exchange()
                .returnResult(byte[].class)
                .getStatus()
                .value(),
        status -> status == 200,
        limit);
    awaitQuiet(client, deadline);
  }

  /** Waits until a listener that starts with the context has its port, and returns it. */
  public static int awaitPort(String what, IntSupplier port, Duration limit) {
    return Await.until(what + " listening", port::getAsInt, p -> p > 0, limit);
  }

  /**
   * Waits until the repository stops changing for a moment: right after start the gateway still
   * issues lists (first issue, lists after the demo's revocations), and a test comparing two reads
   * of one list would race with that.
   */
  private static void awaitQuiet(WebTestClient client, Instant readyDeadline) {
    // Bounded: a context with a seconds-long CRL period never goes quiet, and that is fine.
    Instant deadline = Instant.now().plusSeconds(10);
    if (readyDeadline.isBefore(deadline)) {
      deadline = readyDeadline;
    }
    String last = null;
    int stable = 0;
    while (Instant.now().isBefore(deadline) && stable < 4) {
      byte[] body;
      try {
        body =
            client
                .mutate()
                .responseTimeout(Duration.ofSeconds(5))
                .build()
                .get()
                .uri("/repository")
                .exchange()
                .returnResult(byte[].class)
                .getResponseBodyContent();
      } catch (IllegalStateException e) {
        return; // best effort: settling is a courtesy to the tests, not a requirement
      }
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\"changeLogSeq\"\\s*:\\s*(\\d+)")
              .matcher(
                  new String(
                      body == null ? new byte[0] : body, java.nio.charset.StandardCharsets.UTF_8));
      String seq = m.find() ? m.group(1) : "";
      stable = seq.equals(last) ? stable + 1 : 0;
      last = seq;
      // Quiet means unchanged across four reads half a second apart.
      Await.pause(Duration.ofMillis(500));
    }
  }
}
