package io.gpki.sync;

/**
 * The CRL/ARL archive, read and write port in one as the store implements them. Callers take {@link
 * CrlLookup} or {@link CrlWriter}.
 */
public interface CrlStore extends CrlLookup, CrlWriter {}
