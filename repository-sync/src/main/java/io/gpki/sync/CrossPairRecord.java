package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A cross-certificate pair as held in the directory entry of {@code ownerCaId} (X.509
 * CertificatePair): {@code forward} was issued to the owner by the peer, {@code reverse} by the
 * owner to the peer.
 *
 * @param id pair id, e.g. {@code bca-osca}
 * @param ownerCaId the CA whose entry holds the pair
 * @param peerCaId the other CA
 * @param forwardCertId the certificate issued to the owner, if any
 * @param reverseCertId the certificate issued by the owner, if any
 * @param der DER of the CertificatePair
 * @param updatedAt last change
 */
public record CrossPairRecord(
    String id,
    String ownerCaId,
    String peerCaId,
    @Nullable Long forwardCertId,
    @Nullable Long reverseCertId,
    byte[] der,
    Instant updatedAt) {}
