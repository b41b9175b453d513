package io.gpki.gateway.config;

import io.gpki.signer.CaSigners;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.ManagedCaSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The signer adapter, in-process. Each CA is bound to exactly one key source; a binding to a source
 * that does not exist stops startup. With no sources configured, one PKCS#12 source named {@code
 * soft} lives in {@code dataDir/keys} with a generated password file (mode 0600).
 */
@Configuration(proxyBeanMethods = false)
public class SignerConfig {

  private static final Logger LOG = LoggerFactory.getLogger(SignerConfig.class);

  @Bean(destroyMethod = "close")
  ManagedCaSigner caSigner(
      GatewayProperties props,
      io.gpki.sync.failover.CenterState center,
      io.gpki.gateway.operations.OperationsProperties operations) {
    List<KeySourceSpec> specs = specs(props);
    Set<String> names = specs.stream().map(KeySourceSpec::name).collect(Collectors.toSet());
    for (Map.Entry<String, String> binding : props.signer().caSources().entrySet()) {
      if (!names.contains(binding.getValue())) {
        throw new IllegalStateException(
            "gpki.signer.ca-sources."
                + binding.getKey()
                + " names key source '"
                + binding.getValue()
                + "', which is not configured (configured: "
                + names
                + ")");
      }
    }
    if (!names.contains(props.signer().defaultSource())) {
      throw new IllegalStateException(
          "gpki.signer.default-source '"
              + props.signer().defaultSource()
              + "' is not configured (configured: "
              + names
              + ")");
    }
    // Only a MASTER signs (certificates, CRLs/ARLs, OCSP answers, CA key generation). The one
    // exception
    // is the node's own audit seal key: a backup keeps sealing its own audit chain, which publishes
    // nothing to relying parties.
    String auditKey = operations.auditKeyId();
    return CaSigners.create(specs, keyId -> keyId.equals(auditKey) ? null : center.refusal());
  }

  /** Which key source holds a CA's keys: exactly one per CA. */
  @Bean
  Function<String, String> keySourceOfCa(GatewayProperties props) {
    Map<String, String> bindings = Map.copyOf(props.signer().caSources());
    String fallback = props.signer().defaultSource();
    return caId -> bindings.getOrDefault(caId, fallback);
  }

  static List<KeySourceSpec> specs(GatewayProperties props) {
    List<KeySourceSpec> specs = new ArrayList<>();
    if (props.signer().sources().isEmpty()) {
      Path dir = props.dataDir().toAbsolutePath().normalize().resolve("keys");
      Path passwordFile = dir.resolve("ca-keys.pass");
      ensurePasswordFile(passwordFile);
      specs.add(
          new KeySourceSpec.Pkcs12(
              "soft",
              dir.resolve("ca-keys.p12"),
              passwordFile,
              null,
              KeySourceSpec.Resilience.defaults()));
      return specs;
    }
    for (GatewayProperties.Source s : props.signer().sources()) {
      KeySourceSpec.Resilience r = KeySourceSpec.Resilience.defaults();
      r =
          new KeySourceSpec.Resilience(
              s.callTimeout(), r.queueCapacity(), r.failureRateThreshold(), r.openStateWait());
      switch (s.type()) {
        case "pkcs12" ->
            specs.add(
                new KeySourceSpec.Pkcs12(
                    s.name(),
                    require(s.path(), s, "path"),
                    require(s.passwordFile(), s, "password-file"),
                    null,
                    r));
        case "pkcs11" ->
            specs.add(
                new KeySourceSpec.Pkcs11(
                    s.name(),
                    require(s.library(), s, "library"),
                    require(s.tokenLabel(), s, "token-label"),
                    require(s.pinFile(), s, "pin-file"),
                    s.sessions(),
                    r));
        default ->
            throw new IllegalStateException(
                "key source '"
                    + s.name()
                    + "': type must be pkcs12 or pkcs11, not '"
                    + s.type()
                    + "'");
      }
    }
    return specs;
  }

  private static <T> T require(@Nullable T value, GatewayProperties.Source s, String key) {
    if (value == null) {
      throw new IllegalStateException(
          "key source '" + s.name() + "' (" + s.type() + ") needs " + key);
    }
    return value;
  }

  /** Creates the demo keystore's password file once; the password itself is never logged. */
  private static void ensurePasswordFile(Path file) {
    if (Files.exists(file)) {
      return;
    }
    try {
      Files.createDirectories(file.getParent());
      byte[] secret = new byte[24];
      new SecureRandom().nextBytes(secret);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(
          tmp,
          Base64.getUrlEncoder().withoutPadding().encodeToString(secret) + "\n",
          StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        LOG.warn("cannot restrict permissions of {} on this file system", tmp);
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      LOG.info("created the keystore password file {}", file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the keystore password file " + file, e);
    }
  }
}
