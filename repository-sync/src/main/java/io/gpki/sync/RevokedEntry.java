package io.gpki.sync;

/**
 * What a CRL needs of one revoked certificate, and nothing else (no certificate bytes), so a list
 * of a million entries can be read as a stream of small rows.
 *
 * @param serialHex the serial number, lower-case hex
 * @param revocation when and why it was revoked
 */
public record RevokedEntry(String serialHex, Revocation revocation) {}
