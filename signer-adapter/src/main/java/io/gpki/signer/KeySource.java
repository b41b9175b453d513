package io.gpki.signer;

import java.security.PublicKey;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A place where CA private keys live (a PKCS#12 keystore, a PKCS#11 token). Every method may block;
 * callers outside this module use {@link CaSigner}, which runs these calls on a bounded scheduler.
 * Implementations never log, return or persist private key material.
 */
public interface KeySource extends AutoCloseable {

  /** The configured name of this source, e.g. {@code soft} or {@code hsm}. */
  String name();

  /** {@code pkcs12} or {@code pkcs11}. */
  String type();

  /** How many calls may run at once (PKCS#11: the session count). Sizes scheduler and bulkhead. */
  int maxConcurrency();

  /** Key ids currently held. Blocking. */
  Set<String> keyIds() throws Exception;

  /** The public key for a key id, or {@code null} when not held. Blocking. */
  @Nullable PublicKey publicKey(String keyId) throws Exception;

  /** Signs with the key. Blocking. */
  byte[] sign(String keyId, String algorithm, byte[] data) throws Exception;

  /** Generates and stores a new key pair under {@code keyId}. Blocking. */
  PublicKey generate(String keyId, KeySpec spec) throws Exception;

  /**
   * Probes the source (e.g. token present and logged in); throws when it is not usable. Blocking.
   */
  void probe() throws Exception;

  /**
   * Drops cached handles/sessions so the next call reconnects (e.g. after the HSM came back).
   * Blocking.
   */
  void reset() throws Exception;

  @Override
  void close();
}
