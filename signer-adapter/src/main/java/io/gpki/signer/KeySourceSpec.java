package io.gpki.signer;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Configuration of one key source. Secrets are named by file, never given inline. */
public sealed interface KeySourceSpec {

  /** The source's name, referenced by the CA-to-source binding. */
  String name();

  /** Timeouts and resilience settings shared by both kinds. */
  Resilience resilience();

  /**
   * A PKCS#12 keystore file.
   *
   * @param name source name
   * @param path keystore file; created on first key generation when absent
   * @param passwordFile file holding the keystore password (first line); when {@code null}, the
   *     password comes from the environment variable {@code passwordEnv}
   * @param passwordEnv environment variable holding the password, used when no file is given
   * @param resilience resilience settings
   */
  record Pkcs12(
      String name,
      Path path,
      Path passwordFile,
      @Nullable String passwordEnv,
      Resilience resilience)
      implements KeySourceSpec {}

  /**
   * A PKCS#11 token through the JDK's SunPKCS11 provider.
   *
   * @param name source name
   * @param library path of the PKCS#11 module, e.g. {@code /usr/lib/softhsm/libsofthsm2.so}
   * @param tokenLabel the token label to use (the slot is found by label)
   * @param pinFile file holding the user PIN (first line)
   * @param sessions how many sessions (and so concurrent signatures) to use
   * @param resilience resilience settings
   */
  record Pkcs11(
      String name,
      Path library,
      String tokenLabel,
      Path pinFile,
      int sessions,
      Resilience resilience)
      implements KeySourceSpec {}

  /**
   * Resilience settings for one key source.
   *
   * @param callTimeout the longest one call may take before it fails with {@code TIMEOUT}
   * @param queueCapacity how many calls may wait for a free session before {@code SATURATED}
   * @param failureRateThreshold percentage of failed calls that opens the circuit
   * @param openStateWait how long the circuit stays open before it lets a probe through
   */
  record Resilience(
      Duration callTimeout, int queueCapacity, float failureRateThreshold, Duration openStateWait) {

    /** Defaults suitable for a local software keystore or SoftHSM2. */
    public static Resilience defaults() {
      return new Resilience(Duration.ofSeconds(5), 256, 50f, Duration.ofSeconds(2));
    }
  }
}
