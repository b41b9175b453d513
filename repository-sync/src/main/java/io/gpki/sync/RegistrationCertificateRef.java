package io.gpki.sync;

/**
 * A certificate named by its issuer and serial, with its subject.
 *
 * @param issuerCaId the issuing CA
 * @param serialHex the serial
 * @param subjectDn the subject (RFC 4514)
 */
public record RegistrationCertificateRef(String issuerCaId, String serialHex, String subjectDn) {}
