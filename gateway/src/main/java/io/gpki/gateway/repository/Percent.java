package io.gpki.gateway.repository;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict RFC 3986 percent-decoding to UTF-8 (no {@code +}-as-space unless asked). */
final class Percent {

  private Percent() {}

  /**
   * Decodes {@code %XX} escapes.
   *
   * @param plusIsSpace whether {@code +} means a space (HTML form encoding)
   * @throws IllegalArgumentException on a broken escape or invalid UTF-8
   */
  static String decode(String raw, boolean plusIsSpace) {
    if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw new IllegalArgumentException("truncated percent escape");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException(
              "bad percent escape %" + raw.charAt(i + 1) + raw.charAt(i + 2));
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("escapes are not valid UTF-8");
    }
  }

  /**
   * Percent-encodes as DNs appear in LDAP URLs; the one encoder is {@code
   * RepositoryUrls.percentEncode}.
   */
  static String encode(String s) {
    return io.gpki.gateway.ca.RepositoryUrls.percentEncode(s);
  }
}
