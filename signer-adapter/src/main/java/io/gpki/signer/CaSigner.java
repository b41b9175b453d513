package io.gpki.signer;

import java.security.PublicKey;
import reactor.core.publisher.Mono;

/**
 * The port through which everything else signs with a CA key.
 *
 * <p>A key is named by its key id (for example {@code osca-g2}); configuration binds every key id
 * to exactly one {@link KeySource}. Implementations never block the caller's thread: the blocking
 * work runs on a bounded scheduler sized to the key source's sessions, behind a bulkhead, a circuit
 * breaker and a timeout. Private keys never leave the key source.
 */
public interface CaSigner {

  /**
   * Signs {@code data} with the named key.
   *
   * @param keyId the key id
   * @param algorithm the JCA signature algorithm, e.g. {@code SHA256withRSA}
   * @param data the bytes to sign (for X.509 objects: the DER of the to-be-signed structure)
   * @return the signature value; errors with {@link SignerException} when the key is unknown, the
   *     key source is unavailable or saturated, or the call timed out
   */
  Mono<byte[]> sign(String keyId, String algorithm, byte[] data);

  /** The public key of the named key. */
  Mono<PublicKey> publicKey(String keyId);

  /**
   * Generates a new key pair in the key source bound to {@code sourceName} and names it {@code
   * keyId}. Used for CA key generation (a CA-critical action, approved before it gets here) and the
   * demo PKI.
   */
  Mono<PublicKey> generateKey(String sourceName, String keyId, KeySpec spec);

  /** Whether the key id is known to some key source. */
  Mono<Boolean> hasKey(String keyId);

  /** Health of every key source, one entry per source. */
  Mono<SignerHealth> health();
}
