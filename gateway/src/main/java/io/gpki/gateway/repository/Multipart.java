package io.gpki.gateway.repository;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * RFC 4387 section 2: several results come back as {@code multipart/mixed} (RFC 2046), one DER
 * object per part with its own content type.
 */
final class Multipart {

  private Multipart() {}

  /** A pre-encoded multipart body and its content type. */
  record Body(byte[] bytes, String contentType) {}

  static Body mixed(List<byte[]> parts, String partType) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    parts.forEach(all::writeBytes);
    byte[] hash = Hashes.sha1(all.toByteArray());
    String boundary = "gpki-" + HexFormat.of().formatHex(hash);
    byte[] marker = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
    while (contains(all.toByteArray(), marker)) { // never in practice; a boundary must not occur
      boundary = boundary + "x";
      marker = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Type: "
                  + partType
                  + "\r\nContent-Length: "
                  + part.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(part);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return new Body(out.toByteArray(), "multipart/mixed; boundary=" + boundary);
  }

  private static boolean contains(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
