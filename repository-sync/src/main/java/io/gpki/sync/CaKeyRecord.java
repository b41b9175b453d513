package io.gpki.sync;

import java.time.Instant;

/**
 * One key generation of a CA. Holds the public key and the signer's key id, never private material.
 *
 * @param caId the CA
 * @param generation 1 for the first key, incremented at each rollover
 * @param keyId the signer key id
 * @param keySource the configured key source name holding the private key
 * @param publicKey SubjectPublicKeyInfo DER
 * @param keyIdentifier RFC 5280 method-1 key identifier
 * @param createdAt when the generation was created
 */
public record CaKeyRecord(
    String caId,
    int generation,
    String keyId,
    String keySource,
    byte[] publicKey,
    byte[] keyIdentifier,
    Instant createdAt) {}
