package io.gpki.sync;

import java.util.List;

/**
 * A consistent view of what the repository publishes, read in one transaction.
 *
 * @param changeLogHead the change log position the view reflects
 * @param cas every CA
 * @param keys every key generation
 * @param caCertificates every CA certificate (self-signed, cross, link)
 * @param labeledCertificates end-entity certificates carrying a label (demo and operator notes)
 * @param latestCrls the newest CRL and ARL of each CA
 * @param crossPairs every cross-certificate pair
 */
public record RepositoryContent(
    long changeLogHead,
    List<CaRecord> cas,
    List<CaKeyRecord> keys,
    List<CertificateRecord> caCertificates,
    List<CertificateRecord> labeledCertificates,
    List<CrlRecord> latestCrls,
    List<CrossPairRecord> crossPairs) {}
