package io.gpki.sync.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CertificateRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * Benchmark, not a timed test ({@code -Dgpki.bench=true -Dit.test=ReplicationLagBenchIT}):
 * replication lag from the master's commit of a certificate to the backup's verified apply of its
 * record, at a paced write rate ({@code gpki.bench.rates}, default 100 and 1000 changes/s), and the
 * catch-up rate of a backup that was down while the master wrote {@code gpki.bench.backlog}
 * records. Real PostgreSQL for both centers, the real stream over mutual TLS on loopback with the
 * production poll of 100 ms; the backup verifies every certificate against its issuer's key.
 */
class ReplicationLagBenchIT {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationLagBenchIT.class);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  @EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
  void lagAtPacedRatesAndCatchUpAfterAnOutage() throws Exception {
    DatabaseCoordinates masterDb = TestDatabase.freshDatabase();
    DatabaseCoordinates backupDb = TestDatabase.freshDatabase();
    RepositoryStore.migrate(masterDb);
    RepositoryStore.migrate(backupDb);
    TestPki pki = new TestPki();
    long seconds = Long.getLong("gpki.bench.seconds", 10);
    int backlog = Integer.getInteger("gpki.bench.backlog", 5000);
    List<Integer> rates =
        Arrays.stream(System.getProperty("gpki.bench.rates", "100,1000").split(","))
            .map(String::trim)
            .map(Integer::valueOf)
            .toList();
    StringBuilder report = new StringBuilder();
    try (RepositoryStore master = RepositoryStore.open(masterDb, 16, Clock.systemUTC());
        TestStream stream = TestStream.start(masterDb, backupDb, Duration.ofMillis(100))) {
      master.cas().createCa(pki.caRecord(), pki.caKeyRecord()).block(WAIT);
      long serial = 10;
      for (int rate : rates) {
        int n = (int) (rate * seconds);
        List<CertificateRecord> certs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          certs.add(pki.endEntity(serial++, pki.caKey.getPrivate()));
        }
        Await.await(
            "the backup caught up before the run",
            () -> stream.backupApplied() >= stream.masterHead(),
            WAIT);
        // seq -> commit time at the master; a watcher notes when the backup's applied seq passes
        // it.
        ConcurrentHashMap<Long, Long> committed = new ConcurrentHashMap<>();
        ConcurrentHashMap<Long, Long> applied = new ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = watcher(stream, applied, watching);
        long t0 = System.nanoTime();
        long last =
            Flux.interval(Duration.ofNanos(1_000_000_000L / rate))
                .take(n)
                .onBackpressureBuffer()
                .flatMap(
                    i ->
                        master
                            .certificates()
                            .store(certs.get(i.intValue()))
                            .then(master.changeLog().head())
                            .doOnNext(head -> committed.putIfAbsent(head, System.nanoTime())),
                    64)
                .reduce(0L, Math::max)
                .block(WAIT.multipliedBy(10));
        double achieved = n / ((System.nanoTime() - t0) / 1e9);
        Await.await("the backup applied the run", () -> stream.backupApplied() >= last, WAIT);
        watching.set(false);
        watcher.join(5000);
        long[] lags =
            committed.entrySet().stream()
                .filter(e -> applied.containsKey(e.getKey()))
                .mapToLong(e -> applied.get(e.getKey()) - e.getValue())
                .map(l -> Math.max(0, l))
                .sorted()
                .toArray();
        assertThat(lags).isNotEmpty();
        String line =
            String.format(
                Locale.ROOT,
                "rate %d/s (achieved %.0f/s, %d records): lag p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                rate,
                achieved,
                n,
                lags[lags.length / 2] / 1e6,
                lags[(int) (lags.length * 0.99)] / 1e6,
                lags[lags.length - 1] / 1e6);
        LOG.info("{}", line);
        report.append(line).append('\n');
      }

      // Catch-up: the backup down while the master writes a backlog, then back.
      stream.stopBackup();
      List<CertificateRecord> certs = new ArrayList<>(backlog);
      for (int i = 0; i < backlog; i++) {
        certs.add(pki.endEntity(serial++, pki.caKey.getPrivate()));
      }
      Flux.fromIterable(certs)
          .flatMap(c -> master.certificates().store(c), 16)
          .then()
          .block(WAIT.multipliedBy(10));
      long head = stream.masterHead();
      long from = stream.backupApplied();
      long t0 = System.nanoTime();
      stream.startBackup();
      Await.await(
          "the backup caught up", () -> stream.backupApplied() >= head, WAIT.multipliedBy(5));
      double secs = (System.nanoTime() - t0) / 1e9;
      String line =
          String.format(
              Locale.ROOT,
              "catch-up: %d records in %.2f s = %.0f records/s (reconnect included)",
              head - from,
              secs,
              (head - from) / secs);
      LOG.info("{}", line);
      report.append(line).append('\n');
    }
    LOG.info("replication benchmark:\n{}", report);
  }

  /**
   * Polls the backup's applied seq every 0.2 ms and stamps each seq the first time it is passed.
   */
  private static Thread watcher(
      TestStream stream, ConcurrentHashMap<Long, Long> applied, AtomicBoolean watching) {
    Thread t =
        new Thread(
            () -> {
              long seen = stream.backupApplied();
              while (watching.get()) {
                long now = stream.backupApplied();
                if (now > seen) {
                  long at = System.nanoTime();
                  for (long s = seen + 1; s <= now; s++) {
                    applied.putIfAbsent(s, at);
                  }
                  seen = now;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
              }
            },
            "lag-watcher");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
