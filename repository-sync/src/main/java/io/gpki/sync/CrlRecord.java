package io.gpki.sync;

import java.math.BigInteger;
import java.time.Instant;

/**
 * One issued CRL or ARL, archived forever.
 *
 * @param id database id; 0 before it is stored
 * @param caId the issuing CA
 * @param scope {@code CRL} (end-entity certificates) or {@code ARL} (CA certificates)
 * @param number the CRL number
 * @param thisUpdate issue time
 * @param nextUpdate announced next issue time
 * @param signerKeyId the key that signed it
 * @param entryCount number of revoked entries
 * @param sha256 SHA-256 of the DER
 * @param der the list
 */
public record CrlRecord(
    long id,
    String caId,
    String scope,
    BigInteger number,
    Instant thisUpdate,
    Instant nextUpdate,
    String signerKeyId,
    int entryCount,
    byte[] sha256,
    byte[] der) {}
