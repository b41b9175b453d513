package io.gpki.signer;

import org.jspecify.annotations.Nullable;

/**
 * The signer's guard: whether this node may sign now. Consulted by the signer itself before every
 * signature and key generation (certificates, CRLs/ARLs, OCSP responses alike), so no caller can
 * get around it. Only a master at the current epoch signs; a backup or a fenced former master
 * refuses with {@link SignerException.Kind#FENCED}.
 *
 * <p>Implementations answer from memory (a volatile read): they run on the caller's thread, which
 * may be an event loop.
 */
@FunctionalInterface
public interface SigningFence {

  /** Signs always: a signer without a center (tools, tests). */
  SigningFence NONE = keyId -> null;

  /**
   * Why a signature with the key is refused now, or null when it is allowed.
   *
   * @param keyId the key about to sign
   */
  @Nullable String refusal(String keyId);
}
