package io.gpki.gateway.validation;

/** Where a certificate on a path came from. */
public enum Source {
  /** The trust anchor configuration. */
  TRUST_ANCHOR,
  /** The certificate being validated. */
  TARGET,
  /** Our repository: CA, cross and link certificates. */
  REPOSITORY,
  /** Untrusted intermediates supplied with the request. */
  REQUEST,
  /** Fetched from an Authority Information Access caIssuers URL. */
  AIA
}
