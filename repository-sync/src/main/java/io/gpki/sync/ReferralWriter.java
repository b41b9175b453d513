package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Write port: registers referrals of external CAs. Every write appends to the change log. */
public interface ReferralWriter {

  /**
   * Creates or replaces the referral with the record's id. Errors with {@link
   * StoreException.Conflict} when another referral already covers the same base DN.
   */
  Mono<Referral> put(Referral referral);

  /** Deletes a referral; completes with whether it existed. */
  Mono<Boolean> delete(String id);
}
