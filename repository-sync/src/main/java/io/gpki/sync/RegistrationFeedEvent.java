package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A completed request, as the LRA's notification feed reports it.
 *
 * @param seq the feed cursor (commit order)
 * @param requestId the request
 * @param kind issue or revoke
 * @param state DONE or REJECTED
 * @param caId the CA
 * @param serial the serial issued or revoked, when done
 * @param error why it was rejected
 * @param completedAt when it completed
 */
public record RegistrationFeedEvent(
    long seq,
    String requestId,
    JournalEntry.Kind kind,
    JournalEntry.State state,
    String caId,
    @Nullable String serial,
    @Nullable String error,
    Instant completedAt) {}
