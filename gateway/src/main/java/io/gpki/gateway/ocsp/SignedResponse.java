package io.gpki.gateway.ocsp;

import java.time.Instant;

/**
 * A complete, signed {@code OCSPResponse} (status successful, BasicOCSPResponse) ready to write.
 *
 * @param der the DER bytes; never modified after construction
 * @param producedAt the producedAt time (HTTP Last-Modified)
 * @param thisUpdate the earliest thisUpdate of its single responses
 * @param nextUpdate the earliest nextUpdate of its single responses (HTTP Expires, max-age bound)
 * @param etag the strong entity tag, quoted
 * @param cacheable whether HTTP caches may keep it (false when it echoes a nonce)
 */
public record SignedResponse(
    byte[] der,
    Instant producedAt,
    Instant thisUpdate,
    Instant nextUpdate,
    String etag,
    boolean cacheable) {}
