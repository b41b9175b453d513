package io.gpki.sync;

import java.time.Instant;

/**
 * An unrevoked certificate issued through an LRA that expires within a notification threshold.
 *
 * @param lraId the LRA that asked for it
 * @param requestId the issue request
 * @param caId the issuer
 * @param serialHex its serial
 * @param notAfter when it expires
 * @param der the certificate (for the subscriber's address)
 */
public record ExpiringCertificate(
    String lraId, String requestId, String caId, String serialHex, Instant notAfter, byte[] der) {}
