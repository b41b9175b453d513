package io.gpki.gateway.validation;

/**
 * Just enough DER to slice the signed part out of a SIGNED{...} structure without re-encoding it.
 */
final class Der {

  private Der() {}

  /** The complete first element (tag, length, content) inside the outer SEQUENCE of {@code der}. */
  static byte[] firstElement(byte[] der) {
    int inner = headerLength(der, 0);
    int len = headerLength(der, inner) + contentLength(der, inner);
    return java.util.Arrays.copyOfRange(der, inner, inner + len);
  }

  private static int headerLength(byte[] der, int at) {
    int first = der[at + 1] & 0xff;
    return first < 0x80 ? 2 : 2 + (first & 0x7f);
  }

  private static int contentLength(byte[] der, int at) {
    int first = der[at + 1] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int n = first & 0x7f;
    if (n == 0 || n > 4) {
      throw new IllegalArgumentException("unsupported DER length");
    }
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (der[at + 2 + i] & 0xff);
    }
    return len;
  }
}
