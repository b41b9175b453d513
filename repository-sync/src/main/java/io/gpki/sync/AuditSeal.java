package io.gpki.sync;

import java.time.Instant;

/**
 * A signature by the audit key over the chain head: everything up to {@code seq} is fixed.
 *
 * @param seq the last record covered
 * @param sealedAt when it was signed
 * @param hash that record's hash
 * @param keyId the signer key id (e.g. {@code audit-g1})
 * @param algorithm JCA signature algorithm
 * @param publicKey SubjectPublicKeyInfo DER of the audit key
 * @param signature over {@link AuditChain#sealedBytes}
 */
public record AuditSeal(
    long seq,
    Instant sealedAt,
    byte[] hash,
    String keyId,
    String algorithm,
    byte[] publicKey,
    byte[] signature) {}
