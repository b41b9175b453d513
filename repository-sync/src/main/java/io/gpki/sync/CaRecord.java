package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A certification authority known to the repository: one of ours or a cross-certified external CA.
 *
 * @param id short id used in URLs and configuration, e.g. {@code osca}
 * @param displayName human-readable name
 * @param role BRIDGE, GOVERNMENT, INTERNAL or EXTERNAL
 * @param subjectDn the CA's distinguished name (RFC 4514 string)
 * @param subjectDer the DER encoding of the distinguished name
 * @param policyOid the CA's own certificate policy OID, if any
 * @param currentGeneration the key generation that signs now
 * @param createdAt creation time
 * @param updatedAt last change
 */
public record CaRecord(
    String id,
    String displayName,
    String role,
    String subjectDn,
    byte[] subjectDer,
    @Nullable String policyOid,
    int currentGeneration,
    Instant createdAt,
    Instant updatedAt) {}
