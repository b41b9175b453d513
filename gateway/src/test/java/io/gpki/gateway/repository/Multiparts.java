package io.gpki.gateway.repository;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A small multipart/mixed reader for tests (each part: headers, blank line, body). */
final class Multiparts {

  private Multiparts() {}

  static List<byte[]> parse(byte[] body, String boundary) {
    byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[body.length + 2];
    data[0] = '\r';
    data[1] = '\n';
    System.arraycopy(body, 0, data, 2, body.length);
    List<byte[]> parts = new ArrayList<>();
    int at = indexOf(data, delimiter, 0);
    while (at >= 0) {
      int lineEnd =
          indexOf(data, "\r\n".getBytes(StandardCharsets.US_ASCII), at + delimiter.length);
      if (data[at + delimiter.length] == '-' && data[at + delimiter.length + 1] == '-') {
        break;
      }
      int headersEnd = indexOf(data, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), lineEnd);
      int next = indexOf(data, delimiter, headersEnd + 4);
      parts.add(Arrays.copyOfRange(data, headersEnd + 4, next));
      at = next;
    }
    return parts;
  }

  private static int indexOf(byte[] data, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
