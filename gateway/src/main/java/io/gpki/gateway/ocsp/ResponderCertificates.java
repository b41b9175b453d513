package io.gpki.gateway.ocsp;

import io.gpki.sync.CertificateRecord;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import reactor.core.publisher.Mono;

/**
 * The responder's one write: issuing its own delegated OCSP-signing certificates. Everything else
 * the responder reads through the store's read ports. The wiring backs this with the CA engine; a
 * node that must not write can back it with one that refuses, and the issuer then stays pending
 * ({@code tryLater}) as when the signer is down.
 */
@FunctionalInterface
public interface ResponderCertificates {

  /**
   * Issues and stores an OCSP-signing certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck) for
   * {@code publicKey} under the CA's current key.
   */
  Mono<CertificateRecord> issue(
      String caId,
      X500Name subject,
      SubjectPublicKeyInfo publicKey,
      Instant notBefore,
      Instant notAfter);
}
