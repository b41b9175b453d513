package io.gpki.sync;

/**
 * CA records and their key generations, read and write port in one as the store implements them.
 * Callers take {@link CaLookup} or {@link CaWriter}.
 */
public interface CaRegistry extends CaLookup, CaWriter {}
