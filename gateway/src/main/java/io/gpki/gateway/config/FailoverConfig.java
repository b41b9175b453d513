package io.gpki.gateway.config;

import io.gpki.gateway.operations.WriterGate;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.LeaderLock;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * This node's center (role, epoch, fencing), the writer leadership among the center's replicas, and
 * the gate that runs the writer roles only on the leader of a master. The signer's guard consults
 * the center (see {@link SignerConfig}).
 */
@Configuration(proxyBeanMethods = false)
public class FailoverConfig {

  /**
   * Started after the migrations (it depends on the store, whose bean migrates); closed (the clean
   * stop is recorded) when the context closes, after everything that depends on it.
   */
  @Bean(destroyMethod = "close")
  CenterState centerState(
      DatabaseCoordinates db,
      RepositoryStore migratedStore,
      CenterProperties props,
      ReplicationProperties replication,
      Clock clock) {
    io.gpki.sync.failover.CenterSettings settings = props.settings();
    if (replication.enabled()) {
      // One identity per center: with replication on, its settings name the center and its first
      // role
      // (the replication module seeds center_state from the same values).
      settings =
          new io.gpki.sync.failover.CenterSettings(
              replication.centerId(),
              replication.backup()
                  ? io.gpki.sync.failover.CenterRole.BACKUP
                  : io.gpki.sync.failover.CenterRole.MASTER,
              settings.fenceOnUncleanStop());
    }
    return CenterState.start(db, settings, clock);
  }

  /**
   * The replicas of a center share its row: each follows it (a fence or promotion made elsewhere).
   */
  @Bean(destroyMethod = "dispose")
  reactor.core.Disposable centerFollowing(CenterState center, CenterProperties props) {
    return center.follow(props.leaderCheck());
  }

  @Bean(destroyMethod = "close")
  LeaderLock writerLeadership(
      DatabaseCoordinates db, CenterState center, CenterProperties props, Clock clock) {
    String replica = center.centerId() + "-" + ProcessHandle.current().pid();
    return LeaderLock.start(db, LeaderLock.WRITERS, props.leaderCheck(), clock, replica);
  }

  @Bean(destroyMethod = "close")
  WriterGate writerGate(CenterState center, LeaderLock leadership) {
    return new WriterGate(center, leadership.leadership());
  }
}
