package io.gpki.sync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateStatusReader;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.testing.TestDatabase;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The certificate status snapshot against a real PostgreSQL: the position and the rows come from
 * one database snapshot even while certificates are stored and revoked during the stream, and
 * following the change log from that position gives the state after those writes.
 */
class CertificateStatusReaderIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
  private static final String CA = "snap-ca";
  // Small batches, and more than two of them: later rows are fetched after the concurrent writes
  // commit.
  private static final int FETCH = 50;
  private static final int INITIAL = 2 * FETCH + 30;
  private static final String RESPONDER = "OCSP_SIGNING";
  private static RepositoryStore store;
  private static ConnectionPool pool;
  private static CertificateStatusReader reader;

  @BeforeAll
  static void open() {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 4, Clock.systemUTC());
    pool = ConnectionPools.open(db, "status-reader-it", 1, 2);
    reader = new R2dbcCertificateStatusReader(pool, FETCH);
  }

  @AfterAll
  static void close() {
    pool.dispose();
    store.close();
  }

  private static CertificateRecord cert(int serial, String profile) {
    byte[] unique = new byte[32];
    ThreadLocalRandom.current().nextBytes(unique);
    return new CertificateRecord(
        0,
        CA,
        1,
        Integer.toHexString(serial),
        CertificateKind.END_ENTITY,
        profile,
        null,
        false,
        "CN=s",
        new byte[] {5},
        "CN=" + CA,
        NOW.minusSeconds(60),
        NOW.plusSeconds(3600 + serial),
        new byte[] {6},
        new byte[] {7},
        new byte[] {8},
        unique,
        new byte[] {9, (byte) serial},
        NOW,
        null,
        null);
  }

  private static Revocation revocation(int serial) {
    return new Revocation(
        NOW.minusSeconds(serial),
        serial % 2 == 0 ? 1 : 0,
        serial % 3 == 0 ? NOW.minusSeconds(7200) : null);
  }

  /**
   * Stores {@code count} certificates from {@code first} and revokes {@code revoke} existing ones.
   */
  private static Mono<Void> writes(int first, int count, int revokeFrom, int revoke) {
    Flux<Object> stores =
        Flux.range(first, count)
            .flatMap(i -> store.certificates().store(cert(i, "P")), 4)
            .cast(Object.class);
    Flux<Object> revocations =
        Flux.range(revokeFrom, revoke)
            .flatMap(i -> store.certificates().revoke(CA, Integer.toHexString(i), revocation(i)), 4)
            .cast(Object.class);
    return Flux.merge(stores, revocations).then();
  }

  private static String key(String serialHex) {
    return CA + "/" + serialHex;
  }

  @Test
  void theRowsAreTheStateAtThePositionWhileWritesGoOnAndTheLogContinuesFromIt() {
    // An empty store: position 0, no rows.
    List<CertificateStatusReader.Item> empty =
        store.certificateStatus().snapshot(Set.of()).collectList().block(WAIT);
    assertThat(empty).containsExactly(new CertificateStatusReader.Position(0));

    store
        .cas()
        .createCa(
            new CaRecord(CA, CA, "EXTERNAL", "CN=" + CA, new byte[] {1}, null, 1, NOW, NOW),
            new CaKeyRecord(CA, 1, CA + "-g1", "soft", new byte[] {3}, new byte[] {4}, NOW))
        .block(WAIT);
    Flux.range(1, INITIAL)
        .flatMap(i -> store.certificates().store(cert(i, i <= 3 ? RESPONDER : "P")), 8)
        .blockLast(WAIT);
    Flux.range(1, 10)
        .concatMap(i -> store.certificates().revoke(CA, Integer.toHexString(i), revocation(i)))
        .blockLast(WAIT);
    long headBefore = store.changeLog().head().block(WAIT);

    // Writes commit right after the position was read and again in the middle of the rows.
    AtomicLong position = new AtomicLong(-1);
    AtomicInteger rows = new AtomicInteger();
    Map<String, CertificateStatusReader.Status> seen = new HashMap<>();
    reader
        .snapshot(Set.of(RESPONDER))
        .concatMap(
            item -> {
              if (item instanceof CertificateStatusReader.Position p) {
                assertThat(position.compareAndSet(-1, p.seq())).as("one position, first").isTrue();
                return writes(1_000, 30, 20, 10).thenReturn(item);
              }
              assertThat(position.get()).as("position before rows").isNotNegative();
              CertificateStatusReader.Status s = (CertificateStatusReader.Status) item;
              assertThat(seen.put(key(s.serialHex()), s)).as("each certificate once").isNull();
              return rows.incrementAndGet() == FETCH + FETCH / 2
                  ? writes(2_000, 30, 40, 10).thenReturn(item)
                  : Mono.just(item);
            },
            1)
        .blockLast(WAIT);

    assertThat(position.get()).isEqualTo(headBefore);
    assertThat(seen).hasSize(INITIAL);
    assertThat(
            seen.values().stream()
                .filter(s -> s.revocation() != null)
                .map(CertificateStatusReader.Status::serialHex))
        .as("only the revocations before the position")
        .containsExactlyInAnyOrder("1", "2", "3", "4", "5", "6", "7", "8", "9", "a");
    CertificateStatusReader.Status six = seen.get(key("6"));
    assertThat(six.revocation()).isEqualTo(revocation(6));
    assertThat(six.issuerCaId()).isEqualTo(CA);
    assertThat(six.issuerGeneration()).isEqualTo(1);
    assertThat(six.notAfter()).isEqualTo(NOW.plusSeconds(3606));
    assertThat(six.der()).as("DER only for the profiles asked").isNull();
    assertThat(seen.get(key("2")).der()).containsExactly(9, 2);
    assertThat(seen.get(key("2")).profile()).isEqualTo(RESPONDER);

    // Following the log from the position: exactly the concurrent writes, and then the current
    // state.
    List<ChangeLogEntry> later =
        store.changeLog().after(position.get(), 10_000).collectList().block(WAIT);
    assertThat(later).hasSize(2 * (30 + 10));
    Map<String, Boolean> followed = new HashMap<>();
    seen.forEach((k, s) -> followed.put(k, s.revocation() != null));
    for (ChangeLogEntry e : later) {
      assertThat(e.entity()).isIn("CERTIFICATE", "REVOCATION");
      followed.put(
          e.entityKey(),
          e.entity().equals("REVOCATION") || followed.getOrDefault(e.entityKey(), false));
    }
    List<CertificateStatusReader.Item> now =
        store.certificateStatus().snapshot(Set.of()).collectList().block(WAIT);
    assertThat(now.get(0))
        .isEqualTo(new CertificateStatusReader.Position(store.changeLog().head().block(WAIT)));
    Map<String, Boolean> current = new HashMap<>();
    List<CertificateStatusReader.Item> statuses = new ArrayList<>(now.subList(1, now.size()));
    for (CertificateStatusReader.Item i : statuses) {
      CertificateStatusReader.Status s = (CertificateStatusReader.Status) i;
      current.put(key(s.serialHex()), s.revocation() != null);
    }
    assertThat(followed).isEqualTo(current).hasSize(INITIAL + 60);
  }
}
