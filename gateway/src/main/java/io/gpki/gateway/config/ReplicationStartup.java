package io.gpki.gateway.config;

import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.replication.EpochObserver;
import io.gpki.sync.replication.EpochSource;
import io.gpki.sync.replication.HandoverListener;
import io.gpki.sync.replication.ReplicationNode;
import io.gpki.sync.replication.ReplicationSource;
import io.gpki.sync.replication.ReplicationStatus;
import io.gpki.sync.replication.ReplicationSubscriber;
import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Starts replication once the application is ready: at the master, once the PKI is up, the
 * replication credentials and the mutual-TLS stream listener; at a backup, the subscriber.
 */
final class ReplicationStartup
    implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationStartup.class);

  private final ReplicationProperties props;
  private final ReplicationNode node;
  private final ReplicationCredentials credentials;
  private final RepositorySnapshots snapshots;
  private final Scheduler blocking;
  private final EpochObserver observer;
  private final EpochSource epochs;
  private final HandoverListener handover;
  private final Disposable.Composite running = Disposables.composite();
  private volatile @Nullable ReplicationSource source;
  private volatile @Nullable ReplicationSubscriber subscriber;
  private final java.util.concurrent.atomic.AtomicInteger divergentTables =
      new java.util.concurrent.atomic.AtomicInteger();

  ReplicationStartup(
      ReplicationProperties props,
      ReplicationNode node,
      ReplicationCredentials credentials,
      RepositorySnapshots snapshots,
      Scheduler blocking,
      CenterState center,
      HandoverListener handover) {
    this.handover = handover;
    this.props = props;
    this.node = node;
    this.credentials = credentials;
    this.snapshots = snapshots;
    this.blocking = blocking;
    // The failover module's center: a master that sees a higher epoch (a subscriber's or ack's, or
    // the
    // master's at a backup) fences itself at once; a backup follows the master's epoch.
    this.observer = center::observeEpoch;
    this.epochs =
        () ->
            Mono.fromSupplier(
                () -> new EpochSource.CenterView(center.role().name(), center.epoch()));
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (props.backup()) {
      // Validated at startup: a BACKUP names its master (ReplicationProperties#isBackupComplete).
      ReplicationSubscriber s =
          node.subscriber(
              epochs,
              observer,
              java.util.Objects.requireNonNull(props.masterCenter()),
              java.util.Objects.requireNonNull(props.masterUrl()),
              props.minBackoff(),
              props.maxBackoff(),
              props.heartbeatTimeout(),
              handover);
      subscriber = s;
      running.add(
          credentials
              .client()
              .subscribe(
                  tls -> running.add(s.start(tls, blocking)),
                  e -> LOG.error("replication subscriber could not start: {}", e.getMessage())));
      LOG.info(
          "center {} is a BACKUP of {} at {}",
          props.centerId(),
          props.masterCenter(),
          props.masterUrl());
      running.add(
          Flux.interval(props.antiEntropyInterval())
              .onBackpressureDrop()
              .concatMap(
                  t ->
                      s.compareWithMaster()
                          .doOnNext(
                              c -> {
                                if (!c.comparable()) {
                                  return; // the heads moved between the two reads; the next round
                                  // compares again
                                }
                                divergentTables.set(c.divergent().size());
                                if (!c.divergent().isEmpty()) {
                                  LOG.error(
                                      "ANTI-ENTROPY: at seq {} these tables differ from the master's: {}",
                                      c.localHead(),
                                      c.divergent());
                                }
                              })
                          .onErrorResume(
                              e -> {
                                LOG.debug("anti-entropy comparison failed: {}", e.toString());
                                return Mono.empty();
                              }),
                  1)
              .subscribe());
      return;
    }
    ReplicationSource s =
        node.source(
            epochs, observer, Set.copyOf(props.peers()), props.pollInterval(), props.heartbeat());
    source = s;
    Mono<Void> pkiUp =
        Flux.interval(Duration.ZERO, Duration.ofMillis(250))
            .filter(t -> snapshots.current().loaded())
            .next()
            .then();
    running.add(
        pkiUp
            .then(credentials.peers(props.trustCa(), props.peers()))
            .then(credentials.server(props.trustCa(), props.centerId(), props.serverNames()))
            .flatMap(tls -> s.start(props.bindAddress(), props.port(), tls, blocking))
            .subscribe(
                server ->
                    LOG.info(
                        "center {} is the MASTER; replication stream on https://{}:{}/replication/v1/"
                            + "changes (peers {})",
                        props.centerId(),
                        props.bindAddress(),
                        server.port(),
                        props.peers()),
                e -> LOG.error("replication stream could not start", e)));
  }

  /** The stream listener's port (master), or -1. */
  int port() {
    ReplicationSource s = source;
    return s == null ? -1 : s.port();
  }

  /** The subscriber's status (backup), or null at a master. */
  @Nullable ReplicationStatus status() {
    ReplicationSubscriber s = subscriber;
    return s == null ? null : s.status();
  }

  /**
   * The replication position for the center status: at a backup the subscriber's bookmark and the
   * master's head as last heard (their difference is what a failover now would lose); at a master
   * its change-log head and the backup's acknowledgement.
   */
  Mono<java.util.Map<String, Object>> position() {
    ReplicationSubscriber b = subscriber;
    return node.head()
        .zipWith(b == null ? node.acknowledged() : Mono.just(-1L))
        .map(
            t -> {
              java.util.Map<String, Object> p = new java.util.LinkedHashMap<>();
              p.put("centerId", props.centerId());
              p.put("headSeq", t.getT1());
              if (b == null) {
                p.put("stream", "SOURCE");
                p.put("peers", props.peers());
                p.put("ackedSeq", t.getT2());
                return p;
              }
              ReplicationStatus s = b.status();
              p.put("stream", "SUBSCRIBER");
              p.put("masterCenter", String.valueOf(props.masterCenter()));
              p.put("state", s.state().name());
              p.put("appliedSeq", s.appliedSeq());
              p.put("masterHeadSeq", s.masterHeadSeq());
              p.put("lagSeq", s.lagSeq());
              p.put("lagSeconds", s.lagSeconds());
              return p;
            });
  }

  /** Tables that differed from the master's at the last comparable anti-entropy round. */
  int divergentTables() {
    return divergentTables.get();
  }

  @Override
  public void close() {
    running.dispose();
    ReplicationSource s = source;
    if (s != null) {
      s.close();
    }
    ReplicationSubscriber b = subscriber;
    if (b != null) {
      b.close();
    }
  }
}
