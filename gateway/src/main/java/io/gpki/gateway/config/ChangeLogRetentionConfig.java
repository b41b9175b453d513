package io.gpki.gateway.config;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.operations.WriterGate;
import io.gpki.sync.ChangeLogRetention;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Prunes the change log on the writer leader of a master ({@link WriterGate}), every {@code
 * gpki.change-log.prune-interval}: entries older than the retention go, except what a backup has
 * not acknowledged (when replication is on) and the newest one before the cut-off. A backup keeps
 * its copy of the log (its tail is what a failback and a quarantine report compare).
 */
@Configuration(proxyBeanMethods = false)
public class ChangeLogRetentionConfig {

  private static final Logger LOG = LoggerFactory.getLogger(ChangeLogRetentionConfig.class);

  @Bean
  ApplicationListener<ApplicationReadyEvent> changeLogRetentionStart(
      RepositoryStore store,
      ChangeLogProperties props,
      ReplicationProperties replication,
      WriterGate gate,
      Clock clock,
      MeterRegistry meters) {
    ChangeLogRetention retention = store.changeLogRetention();
    Counter deleted =
        Counter.builder("gpki.changelog.pruned")
            .description("change-log entries deleted by retention")
            .register(meters);
    // An anonymous class, not a lambda: Spring reads the event type from its generic signature.
    return new ApplicationListener<ApplicationReadyEvent>() {
      @Override
      public void onApplicationEvent(ApplicationReadyEvent event) {
        if (props.retention().isZero() || props.retention().isNegative()) {
          LOG.info("change-log retention off (gpki.change-log.retention=0): every entry is kept");
          return;
        }
        gate.run(
            "change-log retention",
            () ->
                BackgroundLoop.start(
                    "change-log retention",
                    Flux.interval(Duration.ZERO, props.pruneInterval()),
                    () ->
                        retention
                            .prune(
                                clock.instant().minus(props.retention()),
                                replication.enabled(),
                                props.batch())
                            .doOnNext(
                                p -> {
                                  if (p.deleted() > 0) {
                                    deleted.increment((double) p.deleted());
                                    LOG.info(
                                        "change log: {} entries before seq {} pruned (older than"
                                            + " {})",
                                        p.deleted(),
                                        p.floor(),
                                        props.retention());
                                  }
                                })
                            .onErrorResume(
                                e -> {
                                  LOG.warn("change-log pruning failed (retried): {}", e.toString());
                                  return Mono.empty();
                                })));
      }
    };
  }
}
