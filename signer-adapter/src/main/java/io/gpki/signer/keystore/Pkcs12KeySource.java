package io.gpki.signer.keystore;

import io.gpki.signer.KeySource;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.SignerException;
import io.gpki.signer.SignerException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link KeySource} backed by one PKCS#12 file that holds several private keys; the alias is the
 * key id.
 *
 * <p>The password comes from {@link KeySourceSpec.Pkcs12#passwordFile()} (first line, trimmed) or
 * the environment variable {@link KeySourceSpec.Pkcs12#passwordEnv()}; it is never logged. The file
 * is created on the first {@link #generate}, and every write replaces it atomically with mode 0600.
 * Loaded private keys are cached in memory only. Meant for development, the demo PKI and small
 * deployments without an HSM.
 */
public final class Pkcs12KeySource implements KeySource {

  private final KeySourceSpec.Pkcs12 spec;
  private final Clock clock;
  private final Map<String, PrivateKey> privateKeys = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  // Guarded by lock; null until first loaded (or after reset), so a changed file is re-read.
  private @Nullable KeyStore keyStore;

  /** Creates the source; nothing is read until the first call. */
  public Pkcs12KeySource(KeySourceSpec.Pkcs12 spec) {
    this(spec, Clock.systemUTC());
  }

  /** Creates the source with a clock for the placeholder certificates' validity. */
  public Pkcs12KeySource(KeySourceSpec.Pkcs12 spec, Clock clock) {
    this.spec = spec;
    this.clock = clock;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public String type() {
    return "pkcs12";
  }

  @Override
  public int maxConcurrency() {
    // Software signing is CPU bound: one call per core, but at least two so one slow call never
    // stalls the source.
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  @Override
  public Set<String> keyIds() throws Exception {
    synchronized (lock) {
      if (keyStore == null && !Files.exists(spec.path())) {
        return Set.of();
      }
      KeyStore ks = loaded();
      Set<String> ids = new TreeSet<>();
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          ids.add(alias);
        }
      }
      return ids;
    }
  }

  @Override
  public @Nullable PublicKey publicKey(String keyId) throws Exception {
    synchronized (lock) {
      if (keyStore == null && !Files.exists(spec.path())) {
        return null;
      }
      Certificate cert = loaded().getCertificate(keyId);
      return cert == null ? null : cert.getPublicKey();
    }
  }

  @Override
  public byte[] sign(String keyId, String algorithm, byte[] data) throws Exception {
    Signature signature = Signature.getInstance(algorithm);
    signature.initSign(privateKey(keyId));
    signature.update(data);
    return signature.sign();
  }

  @Override
  public PublicKey generate(String keyId, KeySpec keySpec) throws Exception {
    synchronized (lock) {
      char[] password = Pkcs12Password.read(spec);
      try {
        KeyStore ks = Files.exists(spec.path()) ? loaded() : emptyKeyStore();
        if (ks.containsAlias(keyId)) {
          throw new SignerException(
              Kind.REJECTED, "key id '" + keyId + "' already exists in key source " + name());
        }
        KeyPair pair = newKeyPair(keySpec);
        Certificate cert = PlaceholderCertificates.selfSigned(keyId, pair, keySpec, null, clock);
        ks.setKeyEntry(keyId, pair.getPrivate(), password, new Certificate[] {cert});
        try {
          AtomicFiles.writeOwnerOnly(spec.path(), out -> ks.store(out, password));
        } catch (Exception e) {
          // The in-memory store now differs from the file; re-read it on the next call.
          keyStore = null;
          throw e;
        }
        keyStore = ks;
        privateKeys.put(keyId, pair.getPrivate());
        return pair.getPublic();
      } finally {
        Arrays.fill(password, '\0');
      }
    }
  }

  @Override
  public void probe() throws Exception {
    synchronized (lock) {
      if (Files.exists(spec.path())) {
        loaded();
      } else {
        // Nothing to open yet; make sure the first generate will be able to create the file.
        Arrays.fill(Pkcs12Password.read(spec), '\0');
      }
    }
  }

  @Override
  public void reset() {
    synchronized (lock) {
      keyStore = null;
      privateKeys.clear();
    }
  }

  @Override
  public void close() {
    reset();
  }

  private PrivateKey privateKey(String keyId) throws Exception {
    PrivateKey cached = privateKeys.get(keyId);
    if (cached != null) {
      return cached;
    }
    synchronized (lock) {
      if (keyStore == null && !Files.exists(spec.path())) {
        throw unknown(keyId);
      }
      char[] password = Pkcs12Password.read(spec);
      try {
        Key key = loaded().getKey(keyId, password);
        if (!(key instanceof PrivateKey privateKey)) {
          throw unknown(keyId);
        }
        privateKeys.put(keyId, privateKey);
        return privateKey;
      } finally {
        Arrays.fill(password, '\0');
      }
    }
  }

  private SignerException unknown(String keyId) {
    return new SignerException(Kind.UNKNOWN_KEY, "key source " + name() + " has no key " + keyId);
  }

  // Caller holds lock.
  private KeyStore loaded() throws Exception {
    KeyStore ks = keyStore;
    if (ks != null) {
      return ks;
    }
    char[] password = Pkcs12Password.read(spec);
    ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(spec.path())) {
      ks.load(in, password);
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new SignerException(
            Kind.UNAVAILABLE,
            "cannot open PKCS#12 keystore "
                + spec.path()
                + " of key source "
                + name()
                + ": wrong password",
            e);
      }
      throw new SignerException(
          Kind.UNAVAILABLE,
          "cannot open PKCS#12 keystore " + spec.path() + " of key source " + name() + ": " + e,
          e);
    } finally {
      Arrays.fill(password, '\0');
    }
    keyStore = ks;
    return ks;
  }

  private static KeyStore emptyKeyStore() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    return ks;
  }

  private static KeyPair newKeyPair(KeySpec keySpec) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(keySpec.keyAlgorithm());
    if ("EC".equals(keySpec.keyAlgorithm())) {
      generator.initialize(new ECGenParameterSpec("secp" + keySpec.size() + "r1"));
    } else {
      generator.initialize(keySpec.size());
    }
    return generator.generateKeyPair();
  }
}
