package io.gpki.signer;

import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x509.CRLReason;
import org.jspecify.annotations.Nullable;

/**
 * The revoked-certificate entries of one CRL, DER-encoded as they are added (RFC 5280 5.1.2.6).
 *
 * <p>A list with a million entries is about 40 MB of DER; held as Bouncy Castle objects (an
 * integer, a time and an extensions structure per entry) it would take several times that and put
 * millions of objects on the heap. Entries are appended one at a time, typically straight from a
 * database cursor, into one growing byte array, so building a large list costs its encoded size and
 * no object per entry. Not thread-safe: one builder fills it.
 */
public final class CrlEntries {

  /** {@code SEQUENCE { id-ce-cRLReasons, OCTET STRING { ENUMERATED } }} up to the reason byte. */
  private static final byte[] REASON_PREFIX = {
    0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01
  };

  /** {@code SEQUENCE { id-ce-invalidityDate, OCTET STRING { GeneralizedTime } }} up to the time. */
  private static final byte[] INVALIDITY_PREFIX = {
    0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11
  };

  private byte[] buffer;
  private int length;
  private int count;

  /** An empty list with room for about {@code expected} entries before it grows. */
  public CrlEntries(int expected) {
    buffer = new byte[Math.max(64, Math.min(expected, 1 << 22) * 40)];
  }

  /** An empty list. */
  public CrlEntries() {
    this(16);
  }

  /** The given entries, in order. */
  public static CrlEntries of(List<CrlTemplate.Entry> entries) {
    CrlEntries out = new CrlEntries(entries.size());
    for (CrlTemplate.Entry e : entries) {
      out.add(e.serial(), e.revocationDate(), e.reason(), e.invalidityDate());
    }
    return out;
  }

  /**
   * Appends one entry.
   *
   * @param serial the certificate's serial number, positive
   * @param revocationDate when it was revoked (whole seconds are encoded)
   * @param reason RFC 5280 CRLReason code; unspecified (0) is left out, as RFC 5280 5.3.1 says
   * @param invalidityDate the invalidity date, if given
   * @return this list
   */
  public CrlEntries add(
      BigInteger serial, Instant revocationDate, int reason, @Nullable Instant invalidityDate) {
    if (serial.signum() <= 0) {
      throw new IllegalArgumentException("CRL entry serial must be positive");
    }
    if (reason < 0 || reason > 10 || reason == 7) {
      throw new IllegalArgumentException("not an RFC 5280 CRLReason: " + reason);
    }
    byte[] serialBytes = serial.toByteArray();
    byte[] revoked = time(revocationDate);
    int extensions = 0;
    if (reason != CRLReason.unspecified) {
      extensions += REASON_PREFIX.length + 1;
    }
    if (invalidityDate != null) {
      extensions += INVALIDITY_PREFIX.length + 17;
    }
    int body =
        headerLength(serialBytes.length)
            + serialBytes.length
            + revoked.length
            + (extensions == 0 ? 0 : headerLength(extensions) + extensions);
    ensure(headerLength(body) + body);
    header(0x30, body);
    header(0x02, serialBytes.length);
    put(serialBytes);
    put(revoked);
    if (extensions != 0) {
      header(0x30, extensions);
      if (reason != CRLReason.unspecified) {
        put(REASON_PREFIX);
        buffer[length++] = (byte) reason;
      }
      if (invalidityDate != null) {
        put(INVALIDITY_PREFIX);
        put(generalizedTime(invalidityDate));
      }
    }
    count++;
    return this;
  }

  /** How many entries were added. */
  public int count() {
    return count;
  }

  /** Size of the concatenated entry encodings, without the enclosing SEQUENCE header. */
  public int encodedLength() {
    return length;
  }

  /** The concatenated entry encodings (the contents of {@code revokedCertificates}). */
  byte[] contents() {
    return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
  }

  /** Copies the contents into {@code target} at {@code offset}. */
  void copyTo(byte[] target, int offset) {
    System.arraycopy(buffer, 0, target, offset, length);
  }

  /** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds. */
  static byte[] time(Instant instant) {
    ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
    boolean utc = t.getYear() >= 1950 && t.getYear() < 2050;
    return encodeTime(t, !utc);
  }

  /** RFC 5280 5.3.2: the invalidity date is always a GeneralizedTime, whole seconds. */
  static byte[] generalizedTime(Instant instant) {
    return encodeTime(instant.atZone(ZoneOffset.UTC), true);
  }

  /**
   * {@code YYMMDDHHMMSSZ} (UTCTime) or {@code YYYYMMDDHHMMSSZ} (GeneralizedTime) with tag and
   * length.
   */
  private static byte[] encodeTime(ZonedDateTime t, boolean generalized) {
    int size = generalized ? 15 : 13;
    byte[] out = new byte[size + 2];
    out[0] = (byte) (generalized ? 0x18 : 0x17);
    out[1] = (byte) size;
    int at = 2;
    if (generalized) {
      at = two(out, at, t.getYear() / 100);
    }
    at = two(out, at, t.getYear() % 100);
    at = two(out, at, t.getMonthValue());
    at = two(out, at, t.getDayOfMonth());
    at = two(out, at, t.getHour());
    at = two(out, at, t.getMinute());
    at = two(out, at, t.getSecond());
    out[at] = 'Z';
    return out;
  }

  private static int two(byte[] out, int at, int value) {
    out[at] = (byte) ('0' + value / 10);
    out[at + 1] = (byte) ('0' + value % 10);
    return at + 2;
  }

  /** Length of a DER tag and length header for contents of {@code contentLength} bytes. */
  static int headerLength(int contentLength) {
    if (contentLength < 0x80) {
      return 2;
    }
    int octets = 0;
    for (int n = contentLength; n != 0; n >>>= 8) {
      octets++;
    }
    return 2 + octets;
  }

  /** Writes a DER tag and length header into {@code target} at {@code offset}; returns its size. */
  static int writeHeader(byte[] target, int offset, int tag, int contentLength) {
    target[offset] = (byte) tag;
    if (contentLength < 0x80) {
      target[offset + 1] = (byte) contentLength;
      return 2;
    }
    int octets = headerLength(contentLength) - 2;
    target[offset + 1] = (byte) (0x80 | octets);
    for (int i = 0; i < octets; i++) {
      target[offset + 2 + i] = (byte) (contentLength >>> (8 * (octets - 1 - i)));
    }
    return 2 + octets;
  }

  private void header(int tag, int contentLength) {
    length += writeHeader(buffer, length, tag, contentLength);
  }

  private void put(byte[] bytes) {
    System.arraycopy(bytes, 0, buffer, length, bytes.length);
    length += bytes.length;
  }

  private void ensure(int more) {
    if (buffer.length - length >= more) {
      return;
    }
    long wanted = Math.max((long) buffer.length * 3 / 2, (long) length + more);
    if (wanted > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("CRL entries exceed 2 GB");
    }
    buffer = Arrays.copyOf(buffer, (int) wanted);
  }
}
