package io.gpki.sync;

/**
 * Registered referrals of external CAs, read and write port in one as the store implements them.
 * Callers take {@link ReferralLookup} or {@link ReferralWriter}.
 */
public interface ReferralStore extends ReferralLookup, ReferralWriter {}
