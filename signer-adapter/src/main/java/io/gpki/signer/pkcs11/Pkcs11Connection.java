package io.gpki.signer.pkcs11;

import java.security.AuthProvider;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One logged-in SunPKCS11 provider for one token, with its key store and a cache of private key
 * handles. Replaced as a whole on reconnect, so no handle outlives the provider it belongs to.
 */
final class Pkcs11Connection {

  private final Provider provider;
  private final long slot;
  private final KeyStore keyStore;
  private final Map<String, PrivateKey> privateKeys = new ConcurrentHashMap<>();

  private Pkcs11Connection(Provider provider, long slot, KeyStore keyStore) {
    this.provider = provider;
    this.slot = slot;
    this.keyStore = keyStore;
  }

  /**
   * Configures a fresh provider for {@code slot} and logs in.
   *
   * @param name the key source's name (becomes the provider name {@code SunPKCS11-gpki-<name>})
   * @param library the PKCS#11 library path
   * @param slot the slot id
   * @param pin the user PIN; not retained
   */
  static Pkcs11Connection open(String name, String library, long slot, char[] pin)
      throws Exception {
    Provider provider = Security.getProvider("SunPKCS11").configure(config(name, library, slot));
    try {
      KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
      keyStore.load(null, pin);
      return new Pkcs11Connection(provider, slot, keyStore);
    } catch (Exception e) {
      logout(provider);
      throw e;
    }
  }

  /**
   * The SunPKCS11 inline configuration.
   *
   * <p>Generated keys are token objects, sensitive and not extractable, so they live only in the
   * token. {@code destroyTokenAfterLogout} makes {@link #close()} close every session of the
   * provider right away instead of leaving them to the garbage collector, which would otherwise
   * close them by handle number later, possibly after a library re-initialisation reused the
   * number.
   */
  static String config(String name, String library, long slot) {
    return "--"
        + "name = gpki-"
        + name.replaceAll("[^A-Za-z0-9_-]", "_")
        + "\n"
        // Quoted so a path with spaces parses; the JDK keys its loaded libraries by this exact
        // string.
        + "library = \""
        + library
        + "\"\n"
        + "slot = "
        + slot
        + "\n"
        + "destroyTokenAfterLogout = true\n"
        + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n"
        + "  CKA_TOKEN = true\n"
        + "  CKA_PRIVATE = true\n"
        + "  CKA_SENSITIVE = true\n"
        + "  CKA_EXTRACTABLE = false\n"
        + "}\n"
        + "attributes(generate, CKO_PUBLIC_KEY, *) = {\n"
        + "  CKA_TOKEN = true\n"
        + "}\n";
  }

  Provider provider() {
    return provider;
  }

  long slot() {
    return slot;
  }

  KeyStore keyStore() {
    return keyStore;
  }

  /**
   * The private key handle for an alias, or {@code null}; cached because lookups are C_FindObjects.
   */
  @Nullable PrivateKey privateKey(String alias) throws Exception {
    PrivateKey cached = privateKeys.get(alias);
    if (cached != null) {
      return cached;
    }
    Key key = keyStore.getKey(alias, null);
    if (!(key instanceof PrivateKey privateKey)) {
      return null;
    }
    privateKeys.put(alias, privateKey);
    return privateKey;
  }

  void remember(String alias, PrivateKey key) {
    privateKeys.put(alias, key);
  }

  /** Logs out and closes the provider's sessions; best effort, the token may already be gone. */
  void close() {
    privateKeys.clear();
    logout(provider);
  }

  private static void logout(Provider provider) {
    try {
      ((AuthProvider) provider).logout();
    } catch (Exception e) {
      // The token is gone or was never logged in; the sessions are closed in logout's finally.
    }
  }
}
