package io.gpki.gateway.config;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Replication between the master and the backup center, under {@code gpki.replication.*} (see
 * docs/replication.md). Off by default: a single center runs as before.
 *
 * @param enabled run replication (the master's stream listener, or the backup's subscriber)
 * @param centerId this center's id; the CN of its replication certificates
 * @param role what this center is configured as on first start (MASTER or BACKUP); afterwards
 *     center_state decides (failover changes it)
 * @param bindAddress the stream listener's address (master)
 * @param port the stream listener's port (master; 0 picks a free one)
 * @param serverNames DNS names in the listener's certificate (master)
 * @param trustCa the CA that issues replication certificates
 * @param peers the center ids allowed to subscribe (master); a client credential is issued for each
 *     into {@code dataDir/replication/peer-<id>-client.p12} to copy to that center
 * @param masterCenter the master's center id (backup)
 * @param masterUrl the master's stream URL, e.g. {@code https://master.example:9443} (backup)
 * @param pollInterval how often an idle stream looks for new entries (master)
 * @param heartbeat how often an idle stream sends its epoch and head (master)
 * @param heartbeatTimeout a stream silent this long is cut and reconnected (backup)
 * @param minBackoff first reconnect delay (backup)
 * @param maxBackoff longest reconnect delay (backup)
 * @param publicationTimeout how long a publication waits for the backup's acknowledgement before it
 *     goes out DR-unprotected (master)
 * @param antiEntropyInterval how often a backup compares its per-table digests with the master's
 */
@Validated
@ConfigurationProperties("gpki.replication")
public record ReplicationProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("center-a") @NotBlank String centerId,
    @DefaultValue("MASTER") Role role,
    @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
    @DefaultValue("9443") @Min(0) @Max(65535) int port,
    @DefaultValue("localhost") List<String> serverNames,
    @DefaultValue("osca") @NotBlank String trustCa,
    @DefaultValue List<String> peers,
    @Nullable String masterCenter,
    @Nullable String masterUrl,
    @DefaultValue("100ms") Duration pollInterval,
    @DefaultValue("1s") Duration heartbeat,
    @DefaultValue("10s") Duration heartbeatTimeout,
    @DefaultValue("200ms") Duration minBackoff,
    @DefaultValue("10s") Duration maxBackoff,
    @DefaultValue("2s") Duration publicationTimeout,
    @DefaultValue("10m") Duration antiEntropyInterval) {

  /** The configured role of a center. */
  public enum Role {
    MASTER,
    BACKUP
  }

  /** A backup must name its master. */
  @AssertTrue(message = "gpki.replication.role=BACKUP needs master-center and master-url")
  public boolean isBackupComplete() {
    return !enabled
        || role != Role.BACKUP
        || (masterCenter != null
            && !masterCenter.isBlank()
            && masterUrl != null
            && !masterUrl.isBlank());
  }

  /** Whether this node runs as a backup. */
  public boolean backup() {
    return enabled && role == Role.BACKUP;
  }
}
