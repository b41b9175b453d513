package io.gpki.gateway.repository;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One pre-encoded object the repository serves: its bytes and everything its response headers need.
 *
 * @param body the DER (or JSON) bytes
 * @param contentType the media type
 * @param etag a strong entity tag, quoted
 * @param lastModified Last-Modified (issue time)
 * @param nextUpdate for CRLs/ARLs, the list's nextUpdate; caching never runs past it
 */
public record Published(
    byte[] body,
    String contentType,
    String etag,
    Instant lastModified,
    @Nullable Instant nextUpdate) {}
