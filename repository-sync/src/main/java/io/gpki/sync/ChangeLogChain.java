package io.gpki.sync;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The change log's hash chain (docs/replication.md, "Chain and canonical encoding"). Writer, sealer
 * and the backup's verifier all use this class, so they cannot disagree about the format.
 *
 * <pre>
 * hash = SHA-256( u16 schema_version || u64 epoch || u64 seq || prev_hash (32 bytes)
 *                 || str(entity) || str(entity_key) || str(op) || str(payload) )
 * str(s) = u32 byte length || UTF-8 bytes;  integers big-endian;  prev_hash of seq 1 = 32 zero bytes
 * </pre>
 *
 * {@code payload} is PostgreSQL's text form of the stored {@code jsonb} value ({@code
 * payload::text}), which is canonical: the same value always prints the same bytes, at either
 * center.
 */
public final class ChangeLogChain {

  /** The previous hash of the first record: 32 zero bytes (a fresh array each call). */
  public static byte[] genesis() {
    return new byte[32];
  }

  /** Record schema of entries written before the chain (payload without a row image). */
  public static final int SCHEMA_V1 = 1;

  /** Record schema with a row image ({@code "row"}) a backup applies alone. */
  public static final int SCHEMA_V2 = 2;

  private ChangeLogChain() {}

  /** The hash of one record. */
  public static byte[] hash(
      int schemaVersion,
      long epoch,
      long seq,
      byte[] prevHash,
      String entity,
      String entityKey,
      String op,
      String payload) {
    if (prevHash.length != 32) {
      throw new IllegalArgumentException("prev_hash must be 32 bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + payload.length());
    out.write(schemaVersion >>> 8);
    out.write(schemaVersion);
    u64(out, epoch);
    u64(out, seq);
    out.writeBytes(prevHash);
    str(out, entity);
    str(out, entityKey);
    str(out, op);
    str(out, payload);
    try {
      return MessageDigest.getInstance("SHA-256").digest(out.toByteArray());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing", e);
    }
  }

  /** Whether a record's stored hash is the hash of its fields. */
  public static boolean intact(ChangeRecord r) {
    return Arrays.equals(
        r.hash(),
        hash(
            r.schemaVersion(),
            r.epoch(),
            r.seq(),
            r.prevHash(),
            r.entity(),
            r.entityKey(),
            r.op(),
            r.payload()));
  }

  private static void u64(ByteArrayOutputStream out, long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift));
    }
  }

  private static void str(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int n = b.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.writeBytes(b);
  }
}
