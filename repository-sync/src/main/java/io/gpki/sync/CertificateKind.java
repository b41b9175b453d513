package io.gpki.sync;

/** The role of a certificate in the repository. */
public enum CertificateKind {
  /** A CA's self-signed certificate. */
  SELF_SIGNED,
  /** A cross-certificate from one CA to another. */
  CROSS,
  /** Link certificate: the old key certified by the new key. */
  LINK_OLD_WITH_NEW,
  /** Link certificate: the new key certified by the old key. */
  LINK_NEW_WITH_OLD,
  /** An end-entity certificate. */
  END_ENTITY
}
