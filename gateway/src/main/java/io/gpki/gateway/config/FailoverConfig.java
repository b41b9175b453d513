package io.gpki.gateway.config;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.failover.CenterState;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** This node's center: role, epoch, fencing. The signer's guard and the writers consult it. */
@Configuration(proxyBeanMethods = false)
public class FailoverConfig {

  /**
   * Started after the migrations (it depends on the store, whose bean migrates); closed (the clean stop
   * is recorded) when the context closes.
   */
  @Bean(destroyMethod = "close")
  CenterState centerState(DatabaseCoordinates db, RepositoryStore migratedStore, CenterProperties props, Clock clock) {
    return CenterState.start(db, props.settings(), clock);
  }
}
