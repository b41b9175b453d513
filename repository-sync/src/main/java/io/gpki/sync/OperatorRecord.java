package io.gpki.sync;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An operator account, bound to one client certificate.
 *
 * @param id unique id
 * @param lraId the LRA it belongs to, or {@code null} for CA-side operators
 * @param displayName name
 * @param roles role names (see the gateway's OperatorRole)
 * @param certSha256 SHA-256 of the client certificate DER
 * @param certIssuerCaId the CA that issued the certificate
 * @param certSerialHex its serial
 * @param enabled whether it may act
 * @param createdAt registration time
 */
public record OperatorRecord(
    String id,
    @Nullable String lraId,
    String displayName,
    List<String> roles,
    byte[] certSha256,
    String certIssuerCaId,
    String certSerialHex,
    boolean enabled,
    Instant createdAt) {}
