package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.util.List;

/** Establishes the revocation status of one certificate on a path (RFC 5280 6.1.3 (a)(3)). */
interface RevocationChecker {

  /**
   * Checks one certificate.
   *
   * @param cert the certificate
   * @param issuer the certificate before it on the path (its issuer)
   * @param issuerKey the working public key that verified {@code cert}
   * @param inputs the validation inputs (time)
   * @param evidence where to record the revocation data used
   */
  RevocationStatus check(
      Cert cert,
      Cert issuer,
      PublicKey issuerKey,
      ValidationInputs inputs,
      List<RevocationEvidence> evidence);
}
