package io.gpki.gateway.operations;

import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.signer.CaSigner;
import io.gpki.signer.SignerHealth;
import io.gpki.sync.RepositoryStore;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * Health reported separately for the signer (HSM / keystore), the primary database and the
 * repository snapshot, so an operator sees which dependency is down. Only the snapshot is in the
 * readiness group (readiness means "can serve reads", which the snapshot does without the database
 * or the signer); the database and the signer have health groups of their own ({@code database},
 * {@code signing}), see application.yml.
 */
@Configuration(proxyBeanMethods = false)
public class HealthIndicators {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  @Bean
  ReactiveHealthIndicator signerHealthIndicator(CaSigner signer) {
    return () ->
        signer
            .health()
            .timeout(PROBE_TIMEOUT)
            .map(
                (SignerHealth h) -> {
                  Health.Builder b = h.allUp() ? Health.up() : Health.down();
                  h.sources()
                      .forEach(
                          s ->
                              b.withDetail(
                                  s.name(),
                                  s.type()
                                      + " "
                                      + (s.up() ? "UP" : "DOWN")
                                      + " circuit="
                                      + s.circuitState()
                                      + (s.up() ? "" : " " + s.detail())));
                  return b.build();
                })
            .onErrorResume(
                e ->
                    Mono.just(
                        Health.down().withDetail("error", e.getClass().getSimpleName()).build()));
  }

  @Bean
  ReactiveHealthIndicator primaryDatabaseHealthIndicator(RepositoryStore store) {
    return () ->
        store
            .changeLog()
            .head()
            .timeout(PROBE_TIMEOUT)
            .map(head -> Health.up().withDetail("changeLogSeq", head).build())
            .onErrorResume(
                e ->
                    Mono.just(
                        Health.down().withDetail("error", e.getClass().getSimpleName()).build()));
  }

  @Bean
  ReactiveHealthIndicator repositorySnapshotHealthIndicator(RepositorySnapshots snapshots) {
    return () -> {
      var s = snapshots.current();
      return Mono.just(
          s.loaded()
              ? Health.up()
                  .withDetail("changeLogSeq", s.changeLogHead())
                  .withDetail("objects", s.byPath().size())
                  .build()
              : Health.outOfService()
                  .withDetail("reason", "first snapshot not loaded yet")
                  .build());
    };
  }
}
