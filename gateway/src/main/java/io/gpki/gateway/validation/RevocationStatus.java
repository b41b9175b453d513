package io.gpki.gateway.validation;

/** The revocation status of one certificate as established by a {@link RevocationChecker}. */
sealed interface RevocationStatus {

  /** Not revoked, with current revocation data. */
  record Good() implements RevocationStatus {}

  /** Revoked. */
  record IsRevoked(Revoked revoked) implements RevocationStatus {}

  /** Could not be established. */
  record Unknown(String detail) implements RevocationStatus {}
}
