package io.gpki.gateway.config;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.registration.Enrolment;
import io.gpki.gateway.repository.CertificateSearchKeys;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.replication.PublicationGate;
import io.gpki.sync.replication.ReplicationNode;
import io.gpki.sync.replication.ReplicationStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Replication wiring (docs/replication.md), only with {@code gpki.replication.enabled=true}: the
 * center's declared role, the node, the publication gate, startup, metrics and health.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "gpki.replication.enabled", havingValue = "true")
public class ReplicationConfig {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationConfig.class);

  /** The store bean comes first: it migrates the schema the role is declared in. */
  @Bean(destroyMethod = "close")
  ReplicationNode replicationNode(
      DatabaseCoordinates db, RepositoryStore store, ReplicationProperties props, Clock clock) {
    String role = ReplicationNode.declareRole(db, props.centerId(), props.role().name());
    if (!role.equals(props.role().name())) {
      LOG.warn(
          "center {} is configured as {} but center_state says {}: center_state wins (failover changed it)",
          props.centerId(),
          props.role(),
          role);
    }
    return ReplicationNode.open(db, new CertificateSearchKeys(), clock);
  }

  /**
   * "Publish only what the backup holds": the gateway's {@link io.gpki.gateway.PublicationHold}
   * (CaConfig) waits on it at the repository snapshot, revocation DONE and pre-signed OCSP.
   */
  @Bean
  PublicationGate publicationGate(
      ReplicationNode node, ReplicationProperties props, MeterRegistry meters) {
    PublicationGate gate = node.gate(props.publicationTimeout());
    Gauge.builder("gpki.dr.unprotected", gate, g -> g.unprotected() ? 1 : 0)
        .description(
            "1 while something published is not yet acknowledged by the backup (DR-unprotected)")
        .register(meters);
    FunctionCounter.builder(
            "gpki.dr.unprotected.publications", gate, PublicationGate::unprotectedCount)
        .description("publications that went out without the backup's acknowledgement")
        .register(meters);
    Gauge.builder("gpki.dr.unprotected.high.water", gate, PublicationGate::unprotectedHighWater)
        .description("the highest change-log seq published without the backup's acknowledgement")
        .register(meters);
    return gate;
  }

  /**
   * While DR-unprotected, reads the backup's acknowledgement every second (another replica may have
   * received it), so the gauge and status clear when the backup catches up even if nothing is
   * published meanwhile.
   */
  @Bean(destroyMethod = "dispose")
  Disposable drProtectionFollowing(PublicationGate gate) {
    return BackgroundLoop.start(
        "DR protection follow",
        BackgroundLoop.every(Duration.ofSeconds(1)),
        () -> gate.unprotected() ? gate.refreshAcknowledged() : Mono.empty());
  }

  @Bean(destroyMethod = "close")
  ReplicationStartup replicationStartup(
      ReplicationProperties props,
      GatewayProperties gateway,
      ReplicationNode node,
      Enrolment enrolment,
      RepositorySnapshots snapshots,
      @Qualifier("keyGenerationScheduler") Scheduler blocking,
      MeterRegistry meters,
      io.gpki.sync.failover.CenterState center,
      org.springframework.beans.factory.ObjectProvider<io.gpki.gateway.operations.ApprovedActions>
          actions) {
    // Switchover target: the old master's demotion token promotes this center (DrPromotion), and
    // the switchover approval is recorded as executed here.
    io.gpki.sync.replication.HandoverListener handover =
        token -> actions.getObject().takeOver(token).then();
    ReplicationStartup startup =
        new ReplicationStartup(
            props,
            node,
            new ReplicationCredentials(enrolment, blocking, gateway.dataDir()),
            snapshots,
            blocking,
            center,
            handover);
    Gauge.builder(
            "gpki.replication.lag.seq", startup, s -> s.status() == null ? 0 : s.status().lagSeq())
        .description("change-log entries the backup has not applied")
        .register(meters);
    Gauge.builder(
            "gpki.replication.lag.seconds",
            startup,
            s -> s.status() == null ? 0 : s.status().lagSeconds())
        .description("seconds the backup is behind (silence counts)")
        .register(meters);
    Gauge.builder(
            "gpki.replication.applied.seq",
            startup,
            s -> s.status() == null ? 0 : s.status().appliedSeq())
        .description("the backup's bookmark")
        .register(meters);
    Gauge.builder(
            "gpki.replication.stopped",
            startup,
            s ->
                s.status() != null && s.status().state() == ReplicationStatus.State.STOPPED ? 1 : 0)
        .description("1 when a record failed a check and replication stopped (alert)")
        .register(meters);
    Gauge.builder("gpki.replication.divergent.tables", startup, ReplicationStartup::divergentTables)
        .description(
            "tables whose digests differed from the master's at the last anti-entropy round")
        .register(meters);
    return startup;
  }

  /**
   * DOWN when the backup's stream stopped at a refused record; the master reports acks and
   * protection.
   */
  @Bean
  ReactiveHealthIndicator replicationHealthIndicator(
      ReplicationStartup startup,
      ReplicationNode node,
      PublicationGate gate,
      ReplicationProperties props) {
    return () -> {
      ReplicationStatus s = startup.status();
      if (s != null) {
        Health.Builder b =
            s.state() == ReplicationStatus.State.STOPPED ? Health.down() : Health.up();
        b.withDetail("role", "BACKUP")
            .withDetail("master", String.valueOf(props.masterCenter()))
            .withDetail("state", s.state().name())
            .withDetail("appliedSeq", s.appliedSeq())
            .withDetail("lagSeq", s.lagSeq())
            .withDetail("lagSeconds", s.lagSeconds())
            .withDetail("reconnects", s.reconnects());
        if (s.stoppedBy() != null) {
          b.withDetail("stoppedBy", s.stoppedBy().name());
        }
        if (s.lastError() != null) {
          b.withDetail("lastError", s.lastError());
        }
        return Mono.just(b.build());
      }
      return Mono.zip(node.head(), node.acknowledged())
          .map(
              t ->
                  Health.up()
                      .withDetail("role", "MASTER")
                      .withDetail("headSeq", t.getT1())
                      .withDetail("ackedSeq", t.getT2())
                      .withDetail("drUnprotected", gate.unprotected())
                      .withDetail("unprotectedHighWater", gate.unprotectedHighWater())
                      .withDetail("port", startup.port())
                      .build())
          .onErrorResume(
              e ->
                  Mono.just(
                      Health.down().withDetail("error", e.getClass().getSimpleName()).build()));
    };
  }
}
