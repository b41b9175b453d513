package io.gpki.gateway.ocsp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ocsp.OCSPRequest;
import org.jspecify.annotations.Nullable;

/** Decoding of OCSP requests from POST bodies and GET URLs (RFC 6960 appendix A.1, RFC 5019). */
final class OcspRequests {

  private OcspRequests() {}

  /** The request in {@code der}, or {@code null} when it is not exactly one OCSPRequest. */
  static @Nullable OCSPRequest decode(byte[] der) {
    if (der.length == 0) {
      return null;
    }
    try (ASN1InputStream in = new ASN1InputStream(der)) {
      ASN1Primitive first = in.readObject();
      if (first == null || in.readObject() != null) {
        return null;
      }
      return OCSPRequest.getInstance(first);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The DER bytes of a GET request's last path part: percent-decoded (but {@code +} stays {@code
   * +}, as in any URL path), then base64 in either alphabet, with or without padding. {@code null}
   * when it is not valid or decodes to more than {@code maxBytes}.
   */
  static byte @Nullable [] fromGetPath(String encoded, int maxBytes) {
    // base64 grows by 4/3 and percent-encoding by up to 3x: anything longer is too large anyway.
    if (encoded.isEmpty() || encoded.length() > maxBytes * 4) {
      return null;
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%') {
        if (i + 2 >= encoded.length()) {
          return null;
        }
        int hi = Character.digit(encoded.charAt(i + 1), 16);
        int lo = Character.digit(encoded.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        c = (char) (hi << 4 | lo);
        i += 2;
      }
      if (c == '-') {
        c = '+';
      } else if (c == '_') {
        c = '/';
      } else if (c == '\r' || c == '\n' || c == ' ') {
        continue;
      }
      text.write(c);
    }
    String b64 = text.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    while (b64.length() % 4 != 0) {
      b64 = b64 + "=";
    }
    try {
      byte[] der = Base64.getDecoder().decode(b64);
      return der.length > maxBytes ? null : der;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
