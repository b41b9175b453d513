package io.gpki.signer;

/** Which certificates a revocation list covers. */
public enum CrlScope {
  /** End-entity certificates: the CRL (issuing distribution point onlyContainsUserCerts). */
  CRL,
  /** CA certificates (cross, link, self-signed): the ARL (onlyContainsCACerts). */
  ARL
}
