package io.gpki.gateway.config;

import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterSettings;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * This node's center ({@code gpki.center.*}). The defaults make a single center: master at epoch 1,
 * not fenced after an unclean stop (there is no peer that could have taken over).
 *
 * @param id the center's id; stored at the first start, and a database of another center stops
 *     startup
 * @param initialRole MASTER or BACKUP: the role at the very first start only; afterwards the stored
 *     role wins (a promoted backup stays master across restarts)
 * @param fenceOnUncleanStop a master that stopped uncleanly comes up FENCED; set true in both
 *     centers of a DR pair
 * @param leaderCheck how often a replica pings its leader session and tries the writer lock; a new
 *     leader waits six of these before it writes (a ping may take four)
 */
@Validated
@ConfigurationProperties("gpki.center")
public record CenterProperties(
    @DefaultValue("center-1") @NotBlank String id,
    @DefaultValue("MASTER") @NotNull CenterRole initialRole,
    @DefaultValue("false") boolean fenceOnUncleanStop,
    @DefaultValue("500ms") java.time.Duration leaderCheck) {

  public CenterProperties {
    if (initialRole == CenterRole.FENCED) {
      throw new IllegalArgumentException(
          "gpki.center.initial-role is MASTER or BACKUP, not FENCED");
    }
  }

  CenterSettings settings() {
    return new CenterSettings(id, initialRole, fenceOnUncleanStop);
  }
}
