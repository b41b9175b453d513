package io.gpki.sync;

/**
 * The outcome of putting a request into the journal.
 *
 * @param entry the stored entry: the new one, or the one first stored under the same key
 * @param repeat whether the key was already used (the entry is the first answer)
 */
public record JournalAcceptance(JournalEntry entry, boolean repeat) {}
