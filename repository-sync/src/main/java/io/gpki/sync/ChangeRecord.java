package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One chained change-log record as replication carries it: every field the hash covers, plus the
 * hash. {@code payload} is the canonical text of the stored JSON (see {@link ChangeLogChain}).
 *
 * @param seq gap-free position, from 1
 * @param epoch the epoch of the master that wrote it
 * @param schemaVersion the record schema ({@link ChangeLogChain#SCHEMA_V2} for records with a row
 *     image)
 * @param recordedAt when the master wrote it (not hashed: the row image carries the entity's times)
 * @param entity what changed, e.g. CERTIFICATE, JOURNAL, AUDIT
 * @param entityKey the entity's key
 * @param op UPSERT or DELETE
 * @param payload canonical JSON text
 * @param prevHash the previous record's hash (32 zero bytes before seq 1)
 * @param hash this record's hash
 * @param attachment a secret kept out of the log's payload so it can be erased later (a sealed
 *     PKCS#12 awaiting pickup); not hashed itself: the payload carries its SHA-256, so the chain
 *     covers it. Null when the record has none or it is already erased.
 */
public record ChangeRecord(
    long seq,
    long epoch,
    int schemaVersion,
    Instant recordedAt,
    String entity,
    String entityKey,
    String op,
    String payload,
    byte[] prevHash,
    byte[] hash,
    byte @Nullable [] attachment) {

  /** A record without attachment. */
  public ChangeRecord(
      long seq,
      long epoch,
      int schemaVersion,
      Instant recordedAt,
      String entity,
      String entityKey,
      String op,
      String payload,
      byte[] prevHash,
      byte[] hash) {
    this(
        seq,
        epoch,
        schemaVersion,
        recordedAt,
        entity,
        entityKey,
        op,
        payload,
        prevHash,
        hash,
        null);
  }
}
