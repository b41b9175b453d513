package io.gpki.sync.replication;

import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.DatabaseCoordinates;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * For other modules' tests: a master database streaming its change log to a backup database over
 * real mutual TLS on loopback, as two centers do ({@code center-a} → {@code center-b}), with the
 * master's publication gate on the real acknowledgements. The backup can be taken down and brought
 * back ({@link #stopBackup()}, {@link #startBackup()}): it catches up from its bookmark.
 */
public final class TestStream implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ReplicationNode master;
  private final ReplicationNode backup;
  private final ReplicationSource source;
  private final TestPki pki;
  private volatile ReplicationSubscriber subscriber;

  private TestStream(
      ReplicationNode master, ReplicationNode backup, ReplicationSource source, TestPki pki) {
    this.master = master;
    this.backup = backup;
    this.source = source;
    this.pki = pki;
    this.subscriber = subscriber();
  }

  /**
   * Streams {@code masterDb} to {@code backupDb} (both migrated; the backup is declared a BACKUP
   * here, the master needs no center_state row) and starts the backup's subscriber.
   */
  public static TestStream start(DatabaseCoordinates masterDb, DatabaseCoordinates backupDb)
      throws Exception {
    return start(masterDb, backupDb, Duration.ofMillis(20));
  }

  /**
   * As {@link #start(DatabaseCoordinates, DatabaseCoordinates)}, the master's idle stream looking
   * for new entries every {@code poll} (production default 100 ms).
   */
  public static TestStream start(
      DatabaseCoordinates masterDb, DatabaseCoordinates backupDb, Duration poll) throws Exception {
    ReplicationNode.declareRole(backupDb, "center-b", "BACKUP");
    TestPki pki = new TestPki();
    ReplicationNode master =
        ReplicationNode.open(masterDb, CertificateLookupKeys.NONE, Clock.systemUTC());
    ReplicationNode backup =
        ReplicationNode.open(backupDb, CertificateLookupKeys.NONE, Clock.systemUTC());
    ReplicationSource source =
        master.source(
            master.centerState(),
            e -> Mono.empty(),
            Set.of("center-b"),
            poll,
            Duration.ofMillis(500));
    source
        .start("127.0.0.1", 0, pki.replicationTls("center-a"), Schedulers.boundedElastic())
        .block(WAIT);
    return new TestStream(master, backup, source, pki);
  }

  private ReplicationSubscriber subscriber() {
    ReplicationSubscriber s =
        backup.subscriber(
            backup.centerState(),
            e -> Mono.empty(),
            "center-a",
            "https://localhost:" + source.port(),
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            Duration.ofSeconds(5));
    try {
      s.start(pki.replicationTls("center-b"), Schedulers.boundedElastic());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return s;
  }

  /** The master's publication gate (in-process acknowledgements from its stream, and the table). */
  public PublicationGate gate(Duration timeout) {
    return master.gate(timeout);
  }

  /** The master's change-log head. */
  public long masterHead() {
    return master.head().block(WAIT);
  }

  /** The highest seq the backup acknowledged, as the master recorded it. */
  public long acknowledged() {
    return master.acknowledged().block(WAIT);
  }

  /** The backup's applied seq (its bookmark as its subscriber reports it). */
  public long backupApplied() {
    return subscriber.status().appliedSeq();
  }

  /** The backup goes down: its subscriber stops (nothing more applied or acknowledged). */
  public void stopBackup() {
    subscriber.close();
  }

  /** The backup comes back: a new subscriber catches up from the bookmark and acknowledges. */
  public void startBackup() {
    subscriber = subscriber();
  }

  @Override
  public void close() {
    subscriber.close();
    source.close();
    master.close();
    backup.close();
  }
}
