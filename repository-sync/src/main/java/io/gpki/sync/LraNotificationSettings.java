package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where an LRA's notifications go.
 *
 * @param lraId the LRA
 * @param webhookUrl the URL signed events are POSTed to, or {@code null} for none
 * @param contactEmail the subscriber address used when a certificate carries no email SAN
 * @param updatedAt last change
 * @param updatedBy the operator who changed it
 */
public record LraNotificationSettings(
    String lraId,
    @Nullable String webhookUrl,
    @Nullable String contactEmail,
    Instant updatedAt,
    String updatedBy) {}
