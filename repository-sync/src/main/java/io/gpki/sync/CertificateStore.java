package io.gpki.sync;

/**
 * Issued certificates and their revocation: the read port and both write ports in one, as the store
 * implements them. Callers take the narrow port they use ({@link CertificateLookup}, {@link
 * CertificateWriter}, {@link RevocationWriter}); the read tier never sees this type.
 */
public interface CertificateStore extends CertificateLookup, CertificateWriter, RevocationWriter {}
