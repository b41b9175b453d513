package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A subscriber key the gateway generated for an issue request, without its private half: that
 * exists only inside the encrypted PKCS#12 the store hands out once.
 *
 * @param requestId the journal request it belongs to
 * @param algorithm e.g. {@code RSA-2048} or {@code EC-P256}
 * @param publicKey SubjectPublicKeyInfo DER: what the certificate certifies
 * @param secretSha256 SHA-256 of the one-time secret (the secret itself is never stored)
 * @param createdAt when it was generated
 * @param deliveredAt when the PKCS#12 was picked up, or {@code null}
 * @param deliveredBy the operator who picked it up, or {@code null}
 * @param available whether the encrypted PKCS#12 is still held (not yet delivered, not rejected)
 */
public record GeneratedKey(
    String requestId,
    String algorithm,
    byte[] publicKey,
    byte[] secretSha256,
    Instant createdAt,
    @Nullable Instant deliveredAt,
    @Nullable String deliveredBy,
    boolean available) {}
