package io.gpki.gateway.validation;

import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The result of validating one certificate: exactly one of {@link Valid}, {@link Invalid} or {@link
 * Indeterminate}. {@code Indeterminate} is used whenever a status could not be established; it is
 * never reported as valid.
 */
public sealed interface Outcome {

  /** The path the verdict is about, trust anchor first; empty when none was found. */
  List<Cert> path();

  /** The revocation data used. */
  List<RevocationEvidence> evidence();

  /** The verdict name: VALID, INVALID or INDETERMINATE. */
  String verdict();

  /**
   * A valid path.
   *
   * @param path trust anchor first, target last
   * @param validPolicies the user-constrained policy set (RFC 5280 6.1.6), OIDs
   * @param evidence revocation data used
   */
  record Valid(List<Cert> path, Set<String> validPolicies, List<RevocationEvidence> evidence)
      implements Outcome {
    @Override
    public String verdict() {
      return "VALID";
    }
  }

  /**
   * A definite failure.
   *
   * @param reason the reason code
   * @param detail a human-readable explanation
   * @param certIndex index into {@code path} of the offending certificate, or -1
   * @param revoked revocation details when {@code reason} is {@link Reason#REVOKED}
   * @param path the path that was examined
   * @param evidence revocation data used
   */
  record Invalid(
      Reason reason,
      String detail,
      int certIndex,
      @Nullable Revoked revoked,
      List<Cert> path,
      List<RevocationEvidence> evidence)
      implements Outcome {
    @Override
    public String verdict() {
      return "INVALID";
    }
  }

  /**
   * The status could not be established (revocation data unavailable, discovery limits).
   *
   * @param reason the reason code
   * @param detail a human-readable explanation
   * @param certIndex index into {@code path} of the certificate concerned, or -1
   * @param path the path that was examined
   * @param evidence revocation data used
   */
  record Indeterminate(
      Reason reason,
      String detail,
      int certIndex,
      List<Cert> path,
      List<RevocationEvidence> evidence)
      implements Outcome {
    @Override
    public String verdict() {
      return "INDETERMINATE";
    }
  }
}
