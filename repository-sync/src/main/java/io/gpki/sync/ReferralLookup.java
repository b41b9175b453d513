package io.gpki.sync;

import reactor.core.publisher.Flux;

/** Read port: registered referrals of external CAs. */
public interface ReferralLookup {

  /** Every referral, ordered by id. */
  Flux<Referral> referrals();
}
