package io.gpki.gateway.repository;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * RFC 4387 section 3.3 hash values: a SHA-1 hash (160 bits) encoded as 27 base64 characters, the
 * trailing {@code =} dropped because the length is fixed.
 */
final class Hashes {

  private Hashes() {}

  static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every JDK", e);
    }
  }

  /** The RFC 4387 form of a 20-byte value. */
  static String encode(byte[] hash20) {
    return Base64.getEncoder().withoutPadding().encodeToString(hash20);
  }

  /** The RFC 4387 form of the SHA-1 of some bytes. */
  static String sha1Value(byte[] data) {
    return encode(sha1(data));
  }

  /**
   * Reads a hash value from a (percent-decoded) query. RFC 4387 asks clients to escape {@code +}
   * and {@code /} as {@code %2B} and {@code %2F}; unescaped ones are accepted, as are a trailing
   * {@code =}, a space that a form decoder made of an unescaped {@code +}, and the URL-safe
   * alphabet ({@code -} and {@code _}).
   *
   * @return the canonical 27-character value, or {@code null} when it is not a 160-bit base64 value
   */
  static @Nullable String canonical(String raw) {
    String s = raw.replace(' ', '+').trim().replace('-', '+').replace('_', '/');
    if (s.endsWith("=")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.length() != 27) {
      return null;
    }
    try {
      byte[] b = Base64.getDecoder().decode(s + "=");
      return b.length == 20 ? encode(b) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
