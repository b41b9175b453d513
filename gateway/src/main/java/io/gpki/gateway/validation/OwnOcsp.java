package io.gpki.gateway.validation;

import java.math.BigInteger;
import org.jspecify.annotations.Nullable;

/**
 * Port to our own OCSP responder, in process: implemented by the ocsp package, wired by the
 * configuration. Validation uses it for end-entity certificates of our CAs (see {@link
 * OwnOcspEvidence}).
 */
public interface OwnOcsp {

  /** No responder: CRLs only ({@code gpki.validation.own-ocsp=false}). */
  OwnOcsp NONE = (name, key, serial) -> null;

  /**
   * The DER {@code OCSPResponse} the responder would send right now to a request without nonce for
   * one certificate (SHA-1 CertID over the issuer name and key), or {@code null} when it has no
   * pre-signed answer ready (not loaded, not our issuer, change pending, none signed yet). Never
   * blocks, signs or fetches. The same answer comes back as the same array, and the array is never
   * modified.
   *
   * @param issuerNameDer DER of the certificate's issuer name
   * @param issuerKeyBits the issuer public key's BIT STRING value
   * @param serial the certificate's serial number
   */
  byte @Nullable [] presigned(byte[] issuerNameDer, byte[] issuerKeyBits, BigInteger serial);
}
