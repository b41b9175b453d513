package io.gpki.gateway.config;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Retention of the repository change log ({@code gpki.change-log.*}), see docs/replication.md.
 *
 * @param retention entries older than this may go (0 keeps everything); a replicating master keeps
 *     every entry a backup has not acknowledged, whatever its age
 * @param pruneInterval how often the writer leader of a master prunes
 * @param batch entries deleted per transaction
 */
@Validated
@ConfigurationProperties("gpki.change-log")
public record ChangeLogProperties(
    @DefaultValue("30d") Duration retention,
    @DefaultValue("1h") Duration pruneInterval,
    @DefaultValue("1000") @Min(1) int batch) {}
