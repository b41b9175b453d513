package io.gpki.sync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.AccessCount;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateLookupKey;
import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * The V4 tables against a real PostgreSQL: lookup keys written with the certificate, search with a
 * limit, backfill of rows stored without keys, and access totals that add up across flushes.
 */
class CertificateLookupIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

  /**
   * A key function over the test records: the subject DN as {@code name}, the label as {@code cn}.
   */
  private static final CertificateLookupKeys KEYS =
      new CertificateLookupKeys() {
        @Override
        public int version() {
          return 1;
        }

        @Override
        public List<CertificateLookupKey> keys(CertificateRecord c) {
          if (c.subjectDn().equals("CN=unparsable")) {
            throw new IllegalArgumentException("not a certificate");
          }
          return List.of(
              new CertificateLookupKey("name", c.subjectDn().toLowerCase(java.util.Locale.ROOT)),
              new CertificateLookupKey("ihash", c.issuerCaId()),
              new CertificateLookupKey(
                  "uri", "x".repeat(R2dbcCertificateLookup.MAX_VALUE_LENGTH + 1)));
        }
      };

  private static DatabaseCoordinates db;
  private static RepositoryStore store;

  @BeforeAll
  static void open() {
    db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 4, Clock.systemUTC(), KEYS);
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static void ca(RepositoryStore s, String id) {
    s.cas()
        .createCa(
            new CaRecord(id, id, "EXTERNAL", "CN=" + id, new byte[] {1}, null, 1, NOW, NOW),
            new CaKeyRecord(id, 1, id + "-g1", "soft", new byte[] {3}, new byte[] {4}, NOW))
        .block(WAIT);
  }

  private static CertificateRecord cert(String issuer, String serial, String subject) {
    byte[] unique = new byte[32];
    ThreadLocalRandom.current().nextBytes(unique);
    return new CertificateRecord(
        0,
        issuer,
        1,
        serial,
        CertificateKind.END_ENTITY,
        "P",
        null,
        false,
        subject,
        new byte[] {5},
        "CN=" + issuer,
        NOW.minusSeconds(60),
        NOW.plusSeconds(3600),
        new byte[] {6},
        new byte[] {7},
        new byte[] {8},
        unique,
        new byte[] {9},
        NOW,
        null,
        null);
  }

  @Test
  void aStoredCertificateIsFoundByEachOfItsKeysWithinTheLimit() {
    ca(store, "lk-a");
    for (int i = 1; i <= 5; i++) {
      store.certificates().store(cert("lk-a", Integer.toHexString(i), "CN=Same Name")).block(WAIT);
    }
    CertificateRecord other =
        store.certificates().store(cert("lk-a", "ff", "CN=Other")).block(WAIT);
    StepVerifier.create(store.certificateSearch().find("name", "cn=other", 10))
        .expectNextMatches(c -> c.id() == other.id() && c.serialHex().equals("ff"))
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    List<CertificateRecord> same =
        store.certificateSearch().find("name", "cn=same name", 3).collectList().block(WAIT);
    assertThat(same).extracting(CertificateRecord::serialHex).containsExactly("1", "2", "3");
    assertThat(store.certificateSearch().find("ihash", "lk-a", 100).count().block(WAIT))
        .isEqualTo(6);
    StepVerifier.create(store.certificateSearch().find("name", "cn=nobody", 10))
        .expectNextCount(0)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    // Over-long values are not stored (index entry size) and not searched.
    StepVerifier.create(
            store
                .certificateSearch()
                .find("uri", "x".repeat(R2dbcCertificateLookup.MAX_VALUE_LENGTH + 1), 10))
        .expectNextCount(0)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    // A certificate the key function cannot parse is still stored, just not findable.
    StepVerifier.create(store.certificates().store(cert("lk-a", "abc", "CN=unparsable")))
        .expectNextCount(1)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
  }

  @Test
  void sharedKeysAreThoseOfPublishedCertificatesThatAnUnlabelledOneAlsoHas() {
    ca(store, "lk-c");
    CertificateRecord labelled = cert("lk-c", "1", "CN=Shared Name");
    labelled =
        new CertificateRecord(
            0,
            labelled.issuerCaId(),
            1,
            labelled.serialHex(),
            labelled.kind(),
            "P",
            null,
            false,
            labelled.subjectDn(),
            labelled.subjectDer(),
            labelled.issuerDn(),
            labelled.notBefore(),
            labelled.notAfter(),
            labelled.subjectKeyIdentifier(),
            labelled.spkiSha256(),
            labelled.sha1(),
            labelled.sha256(),
            labelled.der(),
            labelled.issuedAt(),
            "demo: valid",
            null);
    store.certificates().store(labelled).block(WAIT);
    store.certificates().store(cert("lk-c", "2", "CN=Shared Name")).block(WAIT);
    store.certificates().store(cert("lk-c", "3", "CN=Only Unlabelled")).block(WAIT);
    List<CertificateLookupKey> shared =
        store.certificateLookupOverlap().sharedWithUnlabelled().collectList().block(WAIT);
    assertThat(shared)
        .contains(
            new CertificateLookupKey("name", "cn=shared name"),
            new CertificateLookupKey("ihash", "lk-c"))
        .doesNotContain(new CertificateLookupKey("name", "cn=only unlabelled"))
        .doesNotHaveDuplicates();
  }

  @Test
  void rowsStoredWithoutKeysAreBackfilledOnce() {
    try (RepositoryStore old = RepositoryStore.open(db, 2, Clock.systemUTC())) {
      ca(old, "lk-b");
      for (int i = 1; i <= 7; i++) {
        old.certificates()
            .store(cert("lk-b", Integer.toHexString(i), "CN=Backfill " + i))
            .block(WAIT);
      }
    }
    assertThat(store.certificateSearch().find("ihash", "lk-b", 100).count().block(WAIT)).isZero();
    long after = 0;
    int batches = 0;
    Long last;
    while ((last = store.certificateLookupBackfill().indexAfter(after, 3).block(WAIT)) != null) {
      assertThat(last).isGreaterThan(after);
      after = last;
      batches++;
    }
    assertThat(batches).isGreaterThanOrEqualTo(3);
    assertThat(store.certificateSearch().find("ihash", "lk-b", 100).count().block(WAIT))
        .isEqualTo(7);
    assertThat(store.certificateSearch().find("name", "cn=backfill 4", 100).count().block(WAIT))
        .isEqualTo(1);
    // Indexed rows are not picked again.
    StepVerifier.create(store.certificateLookupBackfill().indexAfter(0, 100))
        .expectComplete()
        .verify(Duration.ofSeconds(30));
  }

  @Test
  void accessTotalsSumOverInstancesAndNeverGoBack() {
    LocalDate d1 = LocalDate.of(2026, 3, 31);
    LocalDate d2 = LocalDate.of(2026, 4, 1);
    store
        .accessTotals()
        .put(
            "run-1",
            List.of(
                new AccessCount(d1, "files", "crl", "ok", 3, 3_000_000),
                new AccessCount(d2, "files", "crl", "ok", 1, 7)))
        .block(WAIT);
    // A later write of running totals replaces; an older (lower) one arriving late is ignored.
    store
        .accessTotals()
        .put("run-1", List.of(new AccessCount(d1, "files", "crl", "ok", 4, 3_000_010)))
        .block(WAIT);
    store
        .accessTotals()
        .put("run-1", List.of(new AccessCount(d1, "files", "crl", "ok", 3, 3_000_000)))
        .block(WAIT);
    store
        .accessTotals()
        .put("run-2", List.of(new AccessCount(d1, "files", "crl", "ok", 2, 5)))
        .block(WAIT);
    store.accessTotals().put("run-2", List.of()).block(WAIT);
    assertThat(store.accessTotals().between(d1, d1, "none").collectList().block(WAIT))
        .containsExactly(new AccessCount(d1, "files", "crl", "ok", 6, 3_000_015));
    assertThat(store.accessTotals().between(d1, d1, "run-2").collectList().block(WAIT))
        .containsExactly(new AccessCount(d1, "files", "crl", "ok", 4, 3_000_010));
    assertThat(store.accessTotals().between(null, null, "none").collectList().block(WAIT))
        .hasSize(2);
    assertThat(store.accessTotals().between(d2, null, "none").collectList().block(WAIT))
        .containsExactly(new AccessCount(d2, "files", "crl", "ok", 1, 7));
  }
}
