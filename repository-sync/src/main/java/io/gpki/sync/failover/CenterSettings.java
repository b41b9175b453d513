package io.gpki.sync.failover;

/**
 * How a center starts.
 *
 * @param centerId this center's id; must match the stored one once the center has started
 * @param initialRole the role at the very first start ({@link CenterRole#MASTER} or {@link
 *     CenterRole#BACKUP}); afterwards the stored role wins (a promoted backup stays master)
 * @param fenceOnUncleanStop whether a master that finds it stopped uncleanly comes up FENCED. True
 *     in every center of a DR pair; false for a single center, which has no peer that could have
 *     taken over
 */
public record CenterSettings(String centerId, CenterRole initialRole, boolean fenceOnUncleanStop) {

  public CenterSettings {
    if (centerId.isBlank()) {
      throw new IllegalArgumentException("the center id is blank");
    }
    if (initialRole == CenterRole.FENCED) {
      throw new IllegalArgumentException("the initial role is MASTER or BACKUP, not FENCED");
    }
  }

  /** A single center: master at epoch 1, no unclean-stop fencing. */
  public static CenterSettings standalone() {
    return new CenterSettings("center-1", CenterRole.MASTER, false);
  }
}
