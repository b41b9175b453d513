package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds and validates the certificate of a CRL signer that is not simply the certified issuer key
 * (RFC 5280 6.3.3 (f): separate CRL signing keys, indirect CRLs).
 */
interface CrlSignerResolver {

  /**
   * A validated key that signed {@code crl} and may sign CRLs, or {@code null} with the reason put
   * in {@code why[0]}.
   *
   * @param inProgress CRLs (by id) whose signer is being validated further up the stack, with the
   *     key that signed them; a CRL met again there is trusted to the outer frame (RFC 5280 leaves
   *     such circular cases to the implementation; PKITS 4.14.30 expects them to validate)
   */
  @Nullable PublicKey signer(
      CrlInfo crl, ValidationInputs inputs, Map<String, PublicKey> inProgress, String[] why);
}
