package io.gpki.sync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogRetention;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Change-log retention against a real PostgreSQL: old entries go in batches, but never the newest
 * one before the cut-off, never a recent one, and never one a backup has not acknowledged.
 */
class ChangeLogRetentionIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
  private static final Instant CUTOFF = NOW.minus(Duration.ofDays(30));

  private DatabaseCoordinates db;
  private RepositoryStore store;
  private ChangeLogRetention retention;

  @BeforeEach
  void open() {
    db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 4, Clock.systemUTC());
    retention = store.changeLogRetention();
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Creates {@code n} CAs (two log entries each) and returns the head. */
  private long write(int n) {
    for (int i = 0; i < n; i++) {
      String id = "ca-" + i;
      store
          .cas()
          .createCa(
              new CaRecord(id, id, "GOVERNMENT", "CN=" + id, new byte[] {1}, null, 1, NOW, NOW),
              new CaKeyRecord(id, 1, id + "-g1", "soft", new byte[] {3}, new byte[] {4}, NOW))
          .block(WAIT);
    }
    return store.changeLog().head().block(WAIT);
  }

  private void sql(String statement) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  private long oldest() throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT coalesce(min(seq), 0) FROM change_log")) {
      r.next();
      return r.getLong(1);
    }
  }

  private void age(long throughSeq) throws Exception {
    sql(
        "UPDATE change_log SET recorded_at = now() - interval '40 days' WHERE seq <= "
            + throughSeq);
  }

  @Test
  void aLoneCenterDropsOldEntriesInBatchesAndKeepsTheNewestBeforeTheCutoff() throws Exception {
    long head = write(5);
    assertThat(head).isEqualTo(10);
    age(6);
    ChangeLogRetention.Pruned pruned = retention.prune(CUTOFF, false, 2).block(WAIT);
    assertThat(pruned).isEqualTo(new ChangeLogRetention.Pruned(6, 5));
    assertThat(oldest()).isEqualTo(6);
    // A reader that resumes at the floor still gets a gap-free tail, and the head is unchanged.
    List<ChangeLogEntry> tail = store.changeLog().after(5, 100).collectList().block(WAIT);
    assertThat(tail).extracting(ChangeLogEntry::seq).containsExactly(6L, 7L, 8L, 9L, 10L);
    assertThat(store.changeLog().head().block(WAIT)).isEqualTo(head);
    assertThat(retention.prune(CUTOFF, false, 2).block(WAIT).deleted()).isZero();
  }

  @Test
  void recentEntriesStay() throws Exception {
    write(2);
    assertThat(retention.prune(CUTOFF, false, 100).block(WAIT))
        .isEqualTo(ChangeLogRetention.Pruned.NONE);
    assertThat(oldest()).isEqualTo(1);
  }

  @Test
  void aReplicatingCenterKeepsWhatTheSlowestBackupHasNotAcknowledged() throws Exception {
    write(5);
    age(10);
    assertThat(retention.prune(CUTOFF, true, 100).block(WAIT))
        .as("no backup has acknowledged anything yet")
        .isEqualTo(ChangeLogRetention.Pruned.NONE);
    assertThat(oldest()).isEqualTo(1);
    sql(
        "INSERT INTO replication_ack (peer_center, epoch, acked_seq, updated_at) VALUES"
            + " ('center-b', 1, 7, now()), ('center-c', 1, 3, now())");
    assertThat(retention.prune(CUTOFF, true, 100).block(WAIT))
        .isEqualTo(new ChangeLogRetention.Pruned(3, 2));
    assertThat(oldest()).isEqualTo(3);
  }
}
