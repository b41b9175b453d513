package io.gpki.sync;

import java.time.Instant;

/**
 * One entry of the ordered change log. {@code seq} is gap-free and strictly increasing; {@code
 * payload} is the entity's complete new state as JSON (binary fields base64), so a backup can apply
 * an entry without reading the master's tables.
 *
 * @param seq position in the log, starting at 1
 * @param recordedAt commit-side time of the change
 * @param entity CA, CA_KEY, CERTIFICATE, REVOCATION, CRL or CROSS_PAIR
 * @param entityKey the entity's key, e.g. {@code osca/1a2b}
 * @param op the operation (UPSERT)
 * @param payload JSON of the new state
 */
public record ChangeLogEntry(
    long seq, Instant recordedAt, String entity, String entityKey, String op, String payload) {}
