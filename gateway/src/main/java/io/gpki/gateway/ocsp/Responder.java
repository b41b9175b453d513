package io.gpki.gateway.ocsp;

import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.Certificate;

/**
 * The key that signs responses for one issuer key: a delegated responder (its certificate travels
 * in every response) or, for an older key generation of a CA, that CA key itself. The key is named,
 * never held.
 *
 * @param keyId the signer key id, e.g. {@code osca-ocsp-g2}
 * @param signatureAlgorithm JCA signature algorithm
 * @param keyHash responderID byKey: SHA-1 of the responder's public key
 * @param certificates the certificates to include (the delegated responder certificate), or empty
 * @param notAfter when the responder certificate expires ({@link Instant#MAX} for the CA key
 *     itself)
 */
public record Responder(
    String keyId,
    String signatureAlgorithm,
    byte[] keyHash,
    List<Certificate> certificates,
    Instant notAfter) {

  public Responder {
    certificates = List.copyOf(certificates);
  }
}
