package io.gpki.sync;

import java.time.Instant;

/**
 * One record of the audit log, chained to the one before it.
 *
 * @param seq gap-free sequence number, from 1
 * @param recordedAt when it was written (microsecond precision, as stored)
 * @param event what it says
 * @param prevHash the previous record's hash (32 zero bytes before the first)
 * @param hash {@link AuditChain#hash}
 */
public record AuditRecord(
    long seq, Instant recordedAt, AuditEvent event, byte[] prevHash, byte[] hash) {}
