package io.gpki.gateway.validation;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import reactor.core.publisher.Mono;

/** Gets the validation service's own certificates issued (by osca, through the CA engine). */
public interface CertificateIssuer {

  /**
   * Issues a certificate for {@code publicKey}.
   *
   * @param tls {@code true} for a TLS server certificate (SAN dNSName {@code host}), else a signing
   *     one
   * @return the DER certificate
   */
  Mono<byte[]> issue(X500Name subject, SubjectPublicKeyInfo publicKey, boolean tls, String host);
}
