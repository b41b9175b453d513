package io.gpki.gateway.validation;

import java.time.Instant;
import java.util.Set;

/**
 * The RFC 5280 6.1.1 inputs of one validation besides the path and the trust anchor.
 *
 * @param time the validation time
 * @param initialPolicies user-initial-policy-set (OIDs; {@code 2.5.29.32.0} for anyPolicy)
 * @param explicitPolicy initial-explicit-policy
 * @param inhibitPolicyMapping initial-policy-mapping-inhibit
 * @param inhibitAnyPolicy initial-any-policy-inhibit
 * @param checkRevocation whether revocation is checked (hard fail) for every certificate but the
 *     anchor
 */
public record ValidationInputs(
    Instant time,
    Set<String> initialPolicies,
    boolean explicitPolicy,
    boolean inhibitPolicyMapping,
    boolean inhibitAnyPolicy,
    boolean checkRevocation) {

  public ValidationInputs {
    initialPolicies =
        Set.copyOf(initialPolicies.isEmpty() ? Set.of(PolicyState.ANY) : initialPolicies);
  }

  /** RFC 5280 defaults: anyPolicy, nothing inhibited, revocation checked. */
  public static ValidationInputs defaults(Instant time) {
    return new ValidationInputs(time, Set.of(PolicyState.ANY), false, false, false, true);
  }

  /** The inputs used to validate a CRL issuer's own path: defaults at the same time. */
  ValidationInputs forCrlIssuer() {
    return new ValidationInputs(
        time, Set.of(PolicyState.ANY), false, false, false, checkRevocation);
  }
}
