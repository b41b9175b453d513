package io.gpki.gateway.validation;

/**
 * Machine-readable reason codes of a verdict that is not {@code VALID}. The list is append-only,
 * like {@code ErrorType}: clients switch on these names.
 */
public enum Reason {
  /** A certificate on the path is past its notAfter at the validation time. */
  EXPIRED,
  /** A certificate on the path is before its notBefore at the validation time. */
  NOT_YET_VALID,
  /** A certificate on the path is revoked (reason and date in the verdict). */
  REVOKED,
  /** A signature on the path (or on a CRL) does not verify. */
  BAD_SIGNATURE,
  /** No certification path to the trust anchor was found. */
  NO_PATH,
  /** Issuer and subject names do not chain. */
  NAME_CHAINING,
  /**
   * The policy processing of RFC 5280 6.1 ended with no acceptable policy where one was required.
   */
  POLICY,
  /** A name violates the permitted or excluded subtrees of a CA on the path. */
  NAME_CONSTRAINTS,
  /** A CA certificate lacks cA=true, or a path length constraint is exceeded. */
  BASIC_CONSTRAINTS,
  /** A key usage forbids the use (keyCertSign for CA certificates, cRLSign for CRL issuers). */
  KEY_USAGE,
  /** A certificate carries a critical extension the validator does not process. */
  UNKNOWN_CRITICAL_EXTENSION,
  /** The revocation status of a certificate could not be established. */
  REVOCATION_UNAVAILABLE,
  /** A signature or key algorithm is not supported. */
  UNSUPPORTED_ALGORITHM,
  /** A certificate or CRL could not be parsed. */
  MALFORMED,
  /** Path discovery hit a limit (depth, candidates or time) before a valid path was found. */
  PATH_DISCOVERY_LIMIT
}
