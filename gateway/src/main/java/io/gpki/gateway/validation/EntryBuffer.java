package io.gpki.gateway.validation;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Collects CRL entries while parsing and packs them into sorted parallel arrays. */
final class EntryBuffer {

  private final List<byte[]> serials = new ArrayList<>();
  private int[] issuers = new int[16];
  private byte[] reasons = new byte[16];
  private long[] dates = new long[16];

  void add(byte[] serial, int issuer, int reason, long date) {
    int i = serials.size();
    if (i == issuers.length) {
      issuers = Arrays.copyOf(issuers, i * 2);
      reasons = Arrays.copyOf(reasons, i * 2);
      dates = Arrays.copyOf(dates, i * 2);
    }
    serials.add(serial);
    issuers[i] = issuer;
    reasons[i] = (byte) reason;
    dates[i] = date;
  }

  /** Treats every entry as the CRL issuer's (not an indirect CRL). */
  void singleIssuer() {
    Arrays.fill(issuers, 0);
  }

  /** Entry indexes sorted by (issuer index, serial). */
  Integer[] order() {
    Integer[] order = new Integer[serials.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Integer.compare(issuers[a], issuers[b]);
          if (c != 0) {
            return c;
          }
          byte[] x = serials.get(a);
          return compareSerials(x, 0, x.length, serials.get(b));
        });
    return order;
  }

  /** Fills the arrays in {@code order} and returns the concatenated serial bytes. */
  byte[] pack(Integer[] order, int[] offsets, int[] issuerOut, byte[] reasonOut, long[] dateOut) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int k = 0; k < order.length; k++) {
      int i = order[k];
      offsets[k] = data.size();
      data.writeBytes(serials.get(i));
      issuerOut[k] = issuers[i];
      reasonOut[k] = reasons[i];
      dateOut[k] = dates[i];
    }
    offsets[order.length] = data.size();
    return data.toByteArray();
  }

  /**
   * Compares two's-complement minimal encodings (as BigInteger.toByteArray) by numeric value:
   * {@code data[from, to)} against {@code other}.
   */
  static int compareSerials(byte[] data, int from, int to, byte[] other) {
    int lenA = to - from;
    boolean negA = lenA > 0 && data[from] < 0;
    boolean negB = other.length > 0 && other[0] < 0;
    if (negA != negB) {
      return negA ? -1 : 1;
    }
    if (lenA != other.length) {
      return negA ? Integer.compare(other.length, lenA) : Integer.compare(lenA, other.length);
    }
    return Arrays.compareUnsigned(data, from, to, other, 0, other.length);
  }
}
