package io.gpki.sync;

/** Cross-certificate pairs, as the store implements them. Callers take {@link CrossPairWriter}. */
public interface CrossPairStore extends CrossPairWriter {}
