package io.gpki.gateway.registration;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Operator roles, modelled on the government CA's: only {@link #DEPUTY} and {@link #LOG_INSPECTOR}
 * may be held together (separation of duties).
 */
public enum OperatorRole {
  OPERATIONS_MANAGER,
  DEPUTY,
  LOG_INSPECTOR,
  SENIOR_CA_OPERATOR,
  CA_OPERATOR,
  MONITOR,
  LRA_OPERATOR;

  private static final Set<OperatorRole> COMBINABLE = EnumSet.of(DEPUTY, LOG_INSPECTOR);

  /**
   * Checks a role set against separation of duties.
   *
   * @throws IllegalArgumentException when the set is empty or combines roles that must stay apart
   */
  public static Set<OperatorRole> checked(Collection<OperatorRole> roles) {
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("an operator needs a role");
    }
    Set<OperatorRole> set = EnumSet.copyOf(roles);
    if (set.size() > 1 && !COMBINABLE.containsAll(set)) {
      throw new IllegalArgumentException("separation of duties: " + set + " may not be combined");
    }
    return set;
  }
}
