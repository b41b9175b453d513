package io.gpki.gateway.config;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.repository.AccessStatistics;
import io.gpki.sync.CertificateLookupBackfill;
import io.gpki.sync.RepositoryStore;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Background work of the repository interfaces against the store: the RFC 4387 lookup-key backfill
 * at startup, and writing the access totals every 10 s and once more at shutdown. Both run on
 * Reactor's timer/parallel threads and R2DBC, never on a request's event loop.
 */
@Configuration(proxyBeanMethods = false)
public class RepositoryStoreTasksConfig {

  private static final Logger LOG = LoggerFactory.getLogger(RepositoryStoreTasksConfig.class);

  /** How often the access totals are written. */
  static final Duration ACCESS_FLUSH_INTERVAL = Duration.ofSeconds(10);

  /** Rows per backfill transaction. */
  static final int BACKFILL_BATCH = 500;

  /**
   * Indexes certificates stored before schema version 4 (or with an older key function) in id
   * order, one batch per transaction. Until it ends a store search may miss them; the snapshot
   * still answers for CA and labelled certificates.
   */
  @Bean
  SmartLifecycle certificateLookupBackfill(RepositoryStore store) {
    CertificateLookupBackfill backfill = store.certificateLookupBackfill();
    return new Task("certificate lookup backfill", 0) {
      @Override
      Disposable begin() {
        return Mono.just(0L)
            .expand(
                after -> backfill.indexAfter(after, BACKFILL_BATCH).timeout(Duration.ofSeconds(60)))
            .count()
            .subscribe(
                n -> {
                  if (n > 1) {
                    LOG.info(
                        "RFC 4387 lookup keys backfilled: {} batches of up to {} certificates",
                        n - 1,
                        BACKFILL_BATCH);
                  }
                },
                e ->
                    LOG.warn(
                        "RFC 4387 lookup-key backfill stopped (the next start resumes): {}",
                        e.toString()));
      }
    };
  }

  /**
   * Writes the access totals every {@link #ACCESS_FLUSH_INTERVAL} and once more when stopping. The
   * phase stops it after the web server and the LDAP listener, so the last requests are written.
   */
  @Bean
  SmartLifecycle accessTotalsFlusher(AccessStatistics statistics) {
    return new Task("access totals", -100) {
      @Override
      Disposable begin() {
        return BackgroundLoop.start(
            "access totals flush", Flux.interval(ACCESS_FLUSH_INTERVAL), () -> flush(statistics));
      }

      @Override
      Mono<Void> end() {
        return flush(statistics);
      }
    };
  }

  private static Mono<Void> flush(AccessStatistics statistics) {
    return statistics
        .flush()
        .onErrorResume(
            e -> {
              LOG.warn(
                  "repository access totals not written (kept in memory, retried): {}",
                  e.toString());
              return Mono.empty();
            });
  }

  /** A background subscription started and stopped with the context. */
  private abstract static class Task implements SmartLifecycle {
    private final String name;
    private final int phase;
    private volatile @Nullable Disposable running;

    Task(String name, int phase) {
      this.name = name;
      this.phase = phase;
    }

    abstract Disposable begin();

    /** Last work after the subscription is disposed. */
    Mono<Void> end() {
      return Mono.empty();
    }

    @Override
    public void start() {
      running = begin();
    }

    @Override
    public void stop() {
      stop(() -> {});
    }

    @Override
    public void stop(Runnable callback) {
      Disposable d = running;
      running = null;
      if (d != null) {
        d.dispose();
      }
      end()
          .timeout(Duration.ofSeconds(10))
          .doOnError(e -> LOG.warn("{}: last run failed: {}", name, e.toString()))
          .onErrorResume(e -> Mono.empty())
          .doFinally(s -> callback.run())
          .subscribe();
    }

    @Override
    public boolean isRunning() {
      return running != null;
    }

    @Override
    public int getPhase() {
      return phase;
    }
  }
}
