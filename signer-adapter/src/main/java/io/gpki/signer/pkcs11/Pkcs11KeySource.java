package io.gpki.signer.pkcs11;

import io.gpki.signer.KeySource;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.SignerException;
import io.gpki.signer.SignerException.Kind;
import io.gpki.signer.keystore.PlaceholderCertificates;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KeySource} on a PKCS#11 token (an HSM; SoftHSM2 in tests) through the JDK's SunPKCS11
 * provider. The key id is the key's alias in the PKCS#11 key store, i.e. its {@code CKA_LABEL}.
 *
 * <p>The token is found by its label, and the user PIN is read from the PIN file on every login.
 * Keys are generated on the token as sensitive, non-extractable token objects.
 *
 * <p>Recovery: {@link #reset()} drops the provider and builds a fresh one (new sessions, new
 * login). When that fails, it re-initialises the PKCS#11 library ({@link
 * Pkcs11Module#reinitialize()}), because some libraries, SoftHSM2 among them, only reconnect a
 * token in {@code C_Initialize}. This needs the JVM flag {@value Pkcs11Module#OPENS_FLAG}, as does
 * finding the token by label.
 */
public final class Pkcs11KeySource implements KeySource {

  private static final Logger LOG = LoggerFactory.getLogger(Pkcs11KeySource.class);

  private final KeySourceSpec.Pkcs11 spec;
  private final Clock clock;
  private final Pkcs11Module module;
  private final byte[] pinSalt = new byte[16];
  // Guarded by this; null until the first call and after disconnect().
  private @Nullable Pkcs11Connection connection;
  // Guarded by this: the fingerprint of a PIN the token refused; empty when none was refused.
  private byte[] rejectedPin = new byte[0];

  /** Creates the source; the token is contacted on the first call. */
  public Pkcs11KeySource(KeySourceSpec.Pkcs11 spec) {
    this(spec, Clock.systemUTC());
  }

  /** Creates the source with a clock for the placeholder certificates' validity. */
  public Pkcs11KeySource(KeySourceSpec.Pkcs11 spec, Clock clock) {
    if (spec.sessions() < 1) {
      throw new IllegalArgumentException("key source " + spec.name() + ": sessions must be >= 1");
    }
    this.spec = spec;
    this.clock = clock;
    this.module = Pkcs11Module.forLibrary(spec.library().toString());
    new SecureRandom().nextBytes(pinSalt);
    module.register(this);
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public String type() {
    return "pkcs11";
  }

  @Override
  public int maxConcurrency() {
    return spec.sessions();
  }

  @Override
  public Set<String> keyIds() throws Exception {
    return onToken(
        c -> {
          KeyStore ks = c.keyStore();
          Set<String> ids = new TreeSet<>();
          for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias)) {
              ids.add(alias);
            }
          }
          return ids;
        });
  }

  @Override
  public @Nullable PublicKey publicKey(String keyId) throws Exception {
    return onToken(c -> Optional.ofNullable(c.keyStore().getCertificate(keyId)))
        .map(Certificate::getPublicKey)
        .orElse(null);
  }

  @Override
  public byte[] sign(String keyId, String algorithm, byte[] data) throws Exception {
    return onToken(
        c -> {
          PrivateKey key = c.privateKey(keyId);
          if (key == null) {
            throw new SignerException(
                Kind.UNKNOWN_KEY, "token '" + spec.tokenLabel() + "' has no key " + keyId);
          }
          Signature signature = Signature.getInstance(algorithm, c.provider());
          signature.initSign(key);
          signature.update(data);
          return signature.sign();
        });
  }

  @Override
  public PublicKey generate(String keyId, KeySpec keySpec) throws Exception {
    return onToken(
        c -> {
          KeyStore ks = c.keyStore();
          if (ks.containsAlias(keyId)) {
            throw new SignerException(
                Kind.REJECTED, "key id '" + keyId + "' already exists in key source " + name());
          }
          KeyPairGenerator generator =
              KeyPairGenerator.getInstance(keySpec.keyAlgorithm(), c.provider());
          if ("EC".equals(keySpec.keyAlgorithm())) {
            generator.initialize(new ECGenParameterSpec("secp" + keySpec.size() + "r1"));
          } else {
            generator.initialize(keySpec.size());
          }
          KeyPair pair = generator.generateKeyPair();
          // The placeholder is signed on the token: the private key never leaves it.
          Certificate cert =
              PlaceholderCertificates.selfSigned(keyId, pair, keySpec, c.provider(), clock);
          // Sets CKA_LABEL and CKA_ID on the generated token object and stores the certificate.
          ks.setKeyEntry(keyId, pair.getPrivate(), null, new Certificate[] {cert});
          c.remember(keyId, pair.getPrivate());
          return pair.getPublic();
        });
  }

  @Override
  public void probe() throws Exception {
    onToken(this::check);
  }

  @Override
  public void reset() throws Exception {
    disconnect();
    try {
      onToken(this::check);
      LOG.info("pkcs11.reconnect source={} token={} outcome=OK", name(), spec.tokenLabel());
    } catch (Exception first) {
      LOG.warn(
          "pkcs11.reconnect source={} token={} outcome=FAILED error={}; re-initialising library {}",
          name(),
          spec.tokenLabel(),
          first.toString(),
          spec.library());
      try {
        module.reinitialize();
        onToken(this::check);
        LOG.info("pkcs11.reinitialize source={} token={} outcome=OK", name(), spec.tokenLabel());
      } catch (Exception second) {
        second.addSuppressed(first);
        throw second;
      }
    }
  }

  /** The token answers and our login and sessions work. */
  private int check(Pkcs11Connection c) throws Exception {
    // The library's token info fails as soon as the token is gone; the key store's object walk
    // exercises the provider's sessions and login.
    module.checkToken(c.slot(), spec.tokenLabel());
    return c.keyStore().size();
  }

  @Override
  public void close() {
    module.unregister(this);
    disconnect();
  }

  /** Drops the provider: logs out and closes its sessions. The next call reconnects. */
  synchronized void disconnect() {
    Pkcs11Connection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
  }

  private synchronized Pkcs11Connection connection() throws Exception {
    Pkcs11Connection c = connection;
    if (c == null) {
      long slot = module.slotOf(spec.tokenLabel());
      char[] pin = readPin();
      try {
        byte[] fingerprint = pinFingerprint(pin);
        if (MessageDigest.isEqual(fingerprint, rejectedPin)) {
          throw new SignerException(
              Kind.UNAVAILABLE,
              "token '"
                  + spec.tokenLabel()
                  + "' rejected the PIN in "
                  + spec.pinFile()
                  + "; not retried until the file changes, so the token does not lock the PIN");
        }
        try {
          c = Pkcs11Connection.open(spec.name(), spec.library().toString(), slot, pin);
        } catch (Exception e) {
          if (module.isPinRejected(e)) {
            rejectedPin = fingerprint;
            throw new SignerException(
                Kind.UNAVAILABLE,
                "token '" + spec.tokenLabel() + "' rejected the PIN in " + spec.pinFile(),
                e);
          }
          throw e;
        }
      } finally {
        Arrays.fill(pin, '\0');
      }
      connection = c;
    }
    return c;
  }

  /** A salted hash, so a rejected PIN is recognised without keeping the PIN itself. */
  private byte[] pinFingerprint(char[] pin) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    digest.update(pinSalt);
    for (char ch : pin) {
      digest.update((byte) (ch >> 8));
      digest.update((byte) ch);
    }
    return digest.digest();
  }

  private char[] readPin() throws Exception {
    if (!Files.isRegularFile(spec.pinFile())) {
      throw new SignerException(
          Kind.UNAVAILABLE,
          "PIN file " + spec.pinFile() + " of key source " + name() + " does not exist");
    }
    try (BufferedReader reader = Files.newBufferedReader(spec.pinFile(), StandardCharsets.UTF_8)) {
      String line = reader.readLine();
      if (line == null || line.isBlank()) {
        throw new SignerException(
            Kind.UNAVAILABLE,
            "PIN file " + spec.pinFile() + " of key source " + name() + " is empty");
      }
      return line.trim().toCharArray();
    }
  }

  private <T> T onToken(TokenCall<T> call) throws Exception {
    Lock shared = module.shared();
    try {
      return call.run(connection());
    } finally {
      shared.unlock();
    }
  }

  @FunctionalInterface
  private interface TokenCall<T> {
    T run(Pkcs11Connection connection) throws Exception;
  }
}
