package io.gpki.gateway.config;

import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.operations.WriterGate;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.sync.failover.CenterState;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Brings the PKI up once the server listens: creates the demo PKI (first start only), issues every
 * due CRL/ARL, loads the first snapshot, then starts the schedules. Until the snapshot is loaded
 * the repository answers 503 with Retry-After.
 */
@Component
public class Startup implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

  private final GatewayProperties props;
  private final DemoPki demo;
  private final CrlPublisher crls;
  private final RepositorySnapshots snapshots;
  private final RepositoryChanges changes;
  private final ReplicationProperties replication;
  private final CenterState center;
  private final WriterGate gate;
  private final Duration leaderWait;
  private final Disposable.Composite running = Disposables.composite();

  public Startup(
      GatewayProperties props,
      DemoPki demo,
      CrlPublisher crls,
      RepositorySnapshots snapshots,
      RepositoryChanges changes,
      ReplicationProperties replication,
      CenterState center,
      WriterGate gate,
      CenterProperties centerProps) {
    this.center = center;
    this.gate = gate;
    // Long enough for a single replica to take the lock and lead (six checks after it holds it).
    this.leaderWait = centerProps.leaderCheck().multipliedBy(12).plusSeconds(10);
    this.props = props;
    this.demo = demo;
    this.crls = crls;
    this.snapshots = snapshots;
    this.changes = changes;
    this.replication = replication;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    // Only the writer leader of a master writes: a backup gets the demo PKI and the lists through
    // replication, a fenced node publishes nothing, and another replica of this center leaves it to
    // the
    // leader. A single replica leads after six leader checks.
    Mono<Boolean> leads =
        center.writable() && !replication.backup()
            ? gate.open().filter(Boolean::booleanValue).next().timeout(leaderWait, Mono.just(false))
            : Mono.just(false);
    running.add(
        leads
            .flatMap(
                lead -> {
                  if (!lead) {
                    LOG.warn(
                        "center {} is {} and this replica does not lead: no demo PKI, no CRL/ARL issue here",
                        center.centerId(),
                        center.role());
                  }
                  Mono<Boolean> demoStep =
                      lead && props.demo().enabled() ? demo.ensure() : Mono.just(false);
                  return demoStep
                      .thenMany(lead ? crls.publishDue() : Flux.empty())
                      .then(snapshots.refresh());
                })
            .subscribe(
                s -> {
                  LOG.info(
                      "gpki-gateway ready: {} published objects, index at {}/repository",
                      s.byPath().size(),
                      props.publicBaseUrl());
                  running.add(snapshots.start(changes.changes(), Duration.ofSeconds(1)));
                  running.add(
                      gate.run(
                          "crl-publisher",
                          () ->
                              crls.start(
                                  props.crl().checkInterval(),
                                  props.crl().revocationPublishDelay())));
                },
                e -> LOG.error("gpki-gateway could not bring the PKI up", e)));
  }

  @Override
  public void close() {
    running.dispose();
  }
}
