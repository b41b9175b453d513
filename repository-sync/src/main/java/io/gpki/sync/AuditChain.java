package io.gpki.sync;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * The audit hash chain: {@code hash = SHA-256(prevHash || len-prefixed fields)}. Writer and
 * verifier both use this class, so they cannot disagree about the format.
 */
public final class AuditChain {

  /** The previous hash of the first record: 32 zero bytes (a new array each time). */
  public static byte[] genesis() {
    return new byte[32];
  }

  private AuditChain() {}

  /** Times are chained at the precision PostgreSQL stores (microseconds). */
  public static Instant stored(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS);
  }

  /** The hash of a record. */
  public static byte[] hash(byte[] prevHash, long seq, Instant recordedAt, AuditEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.writeBytes(prevHash);
    field(out, Long.toString(seq));
    field(out, stored(recordedAt).toString());
    field(out, e.type());
    field(out, e.source());
    field(out, e.actor());
    field(out, e.object());
    field(out, e.outcome());
    field(out, e.detail());
    return sha256(out.toByteArray());
  }

  /** What a seal signs. */
  public static byte[] sealedBytes(long seq, byte[] hash, Instant sealedAt) {
    return ("gpki-audit-seal\n"
            + seq
            + "\n"
            + HexFormat.of().formatHex(hash)
            + "\n"
            + stored(sealedAt))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] b = value.getBytes(StandardCharsets.UTF_8);
    int n = b.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.writeBytes(b);
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
