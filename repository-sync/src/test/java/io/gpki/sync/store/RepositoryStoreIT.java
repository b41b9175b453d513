package io.gpki.sync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.Revocation;
import io.gpki.sync.StoreException;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The store against a real PostgreSQL: change log, uniqueness and ordering rules, snapshot reads.
 */
class RepositoryStoreIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static RepositoryStore store;
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

  @BeforeAll
  static void open() {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    assertThat(RepositoryStore.migrate(db)).as("schema version").matches("[1-9][0-9]*");
    store = RepositoryStore.open(db, 4, Clock.systemUTC());
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static CaRecord ca(String id) {
    return new CaRecord(id, id, "EXTERNAL", "CN=" + id, new byte[] {1, 2}, "2.999.1", 1, NOW, NOW);
  }

  private static CaKeyRecord key(String id, int gen) {
    return new CaKeyRecord(id, gen, id + "-g" + gen, "soft", new byte[] {3}, new byte[] {4}, NOW);
  }

  private static CertificateRecord cert(
      String issuer, String serial, boolean isCa, Instant notAfter) {
    byte[] unique = new byte[32];
    ThreadLocalRandom.current().nextBytes(unique);
    return new CertificateRecord(
        0,
        issuer,
        1,
        serial,
        isCa ? CertificateKind.CROSS : CertificateKind.END_ENTITY,
        "P",
        null,
        isCa,
        "CN=s",
        new byte[] {5},
        "CN=" + issuer,
        NOW.minusSeconds(60),
        notAfter,
        new byte[] {6},
        new byte[] {7},
        new byte[] {8},
        unique,
        new byte[] {9},
        NOW,
        isCa ? null : "demo: x",
        null);
  }

  @Test
  void everyMutationAppendsAGapFreeChangeLogEntryInOrder() {
    long before = store.changeLog().head().block(WAIT);
    // 20 concurrent writers, some failing (duplicate serial): the log must stay gap-free.
    StepVerifier.create(store.cas().createCa(ca("log-ca"), key("log-ca", 1)))
        .expectNextCount(1)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    Flux.range(0, 20)
        .flatMap(
            i ->
                store
                    .certificates()
                    .store(
                        cert(
                            "log-ca",
                            Integer.toHexString(i % 15 + 1),
                            false,
                            NOW.plusSeconds(3600)))
                    .onErrorResume(StoreException.Conflict.class, e -> Mono.empty()),
            8)
        .blockLast(WAIT);
    long after = store.changeLog().head().block(WAIT);
    List<ChangeLogEntry> entries = store.changeLog().after(before, 1000).collectList().block(WAIT);
    assertThat(entries).hasSize((int) (after - before));
    // CA + first key + 15 distinct certificates; the 5 duplicates rolled back without a gap.
    assertThat(after - before).isEqualTo(2 + 15);
    for (int i = 0; i < entries.size(); i++) {
      assertThat(entries.get(i).seq()).isEqualTo(before + 1 + i);
    }
    assertThat(entries.get(0).entity()).isEqualTo("CA");
    assertThat(entries.get(0).payload().replace(" ", "")).contains("\"id\":\"log-ca\"");
    assertThat(entries.get(2).entity()).isEqualTo("CERTIFICATE");
    assertThat(entries.get(2).payload().replace(" ", "")).contains("\"der\":\"CQ==\"");
  }

  @Test
  void serialIsUniquePerCaButNotAcrossCas() {
    store.cas().createCa(ca("ser-a"), key("ser-a", 1)).block(WAIT);
    store.cas().createCa(ca("ser-b"), key("ser-b", 1)).block(WAIT);
    StepVerifier.create(
            store.certificates().store(cert("ser-a", "abc", false, NOW.plusSeconds(60))))
        .expectNextMatches(c -> c.id() > 0)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    StepVerifier.create(
            store.certificates().store(cert("ser-a", "abc", false, NOW.plusSeconds(60))))
        .expectError(StoreException.Conflict.class)
        .verify(WAIT);
    StepVerifier.create(
            store.certificates().store(cert("ser-b", "abc", false, NOW.plusSeconds(60))))
        .expectNextCount(1)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
    assertThat(store.certificates().serialExists("ser-a", "abc").block(WAIT)).isTrue();
    assertThat(store.certificates().serialExists("ser-a", "abd").block(WAIT)).isFalse();
  }

  @Test
  void revocationIsRecordedOnceAndListedOnlyWhileUnexpired() {
    store.cas().createCa(ca("rev-ca"), key("rev-ca", 1)).block(WAIT);
    store.certificates().store(cert("rev-ca", "1", false, NOW.plusSeconds(3600))).block(WAIT);
    store.certificates().store(cert("rev-ca", "2", false, NOW.plusSeconds(3600))).block(WAIT);
    store.certificates().store(cert("rev-ca", "3", true, NOW.plusSeconds(3600))).block(WAIT);
    Revocation first = new Revocation(NOW, 1, NOW.minusSeconds(3600));
    assertThat(store.certificates().revoke("rev-ca", "1", first).block(WAIT).revocation())
        .isEqualTo(first);
    Revocation second = new Revocation(NOW.plusSeconds(5), 4, null);
    assertThat(store.certificates().revoke("rev-ca", "1", second).block(WAIT).revocation())
        .as("a second revocation keeps the first")
        .isEqualTo(first);
    store.certificates().revoke("rev-ca", "3", second).block(WAIT);
    StepVerifier.create(store.certificates().revoke("rev-ca", "99", second))
        .expectError(StoreException.NotFound.class)
        .verify(WAIT);

    assertThat(
            store
                .certificates()
                .revokedUnexpired("rev-ca", false, NOW)
                .map(CertificateRecord::serialHex)
                .collectList()
                .block(WAIT))
        .containsExactly("1");
    assertThat(
            store
                .certificates()
                .revokedUnexpired("rev-ca", true, NOW)
                .map(CertificateRecord::serialHex)
                .collectList()
                .block(WAIT))
        .containsExactly("3");
    assertThat(
            store
                .certificates()
                .revokedUnexpired("rev-ca", false, NOW.plusSeconds(7200))
                .collectList()
                .block(WAIT))
        .as("expired certificates leave the list")
        .isEmpty();
  }

  @Test
  void crlNumbersStrictlyIncreaseAndEveryListIsArchived() {
    store.cas().createCa(ca("crl-ca"), key("crl-ca", 1)).block(WAIT);
    CrlRecord one = crl("crl-ca", "CRL", 1);
    CrlRecord two = crl("crl-ca", "CRL", 2);
    store.crls().archive(one).block(WAIT);
    store.crls().archive(two).block(WAIT);
    StepVerifier.create(store.crls().archive(crl("crl-ca", "CRL", 2)))
        .expectError(StoreException.Conflict.class)
        .verify(WAIT);
    StepVerifier.create(store.crls().archive(crl("crl-ca", "CRL", 1)))
        .as("a lower number than the last is refused")
        .expectError(StoreException.Conflict.class)
        .verify(WAIT);
    store.crls().archive(crl("crl-ca", "ARL", 1)).block(WAIT);
    assertThat(store.crls().latest("crl-ca", "CRL").block(WAIT).number()).isEqualTo(BigInteger.TWO);
    assertThat(store.crls().byNumber("crl-ca", "CRL", BigInteger.ONE).block(WAIT).der())
        .isEqualTo(one.der());
    assertThat(store.crls().latest("crl-ca", "ARL").block(WAIT).number()).isEqualTo(BigInteger.ONE);
  }

  @Test
  void contentLoadsAConsistentView() {
    store.cas().createCa(ca("view-a"), key("view-a", 1)).block(WAIT);
    store.cas().createCa(ca("view-b"), key("view-b", 1)).block(WAIT);
    store.cas().addKeyGeneration(key("view-a", 2)).block(WAIT);
    CertificateRecord x =
        store.certificates().store(cert("view-a", "77", true, NOW.plusSeconds(60))).block(WAIT);
    store
        .crossPairs()
        .put(
            new CrossPairRecord(
                "view-a-view-b", "view-a", "view-b", null, x.id(), new byte[] {1}, NOW))
        .block(WAIT);
    store.crls().archive(crl("view-a", "ARL", 5)).block(WAIT);
    RepositoryContent content = store.content().load().block(WAIT);
    assertThat(content.changeLogHead()).isEqualTo(store.changeLog().head().block(WAIT));
    assertThat(content.cas()).extracting(CaRecord::id).contains("view-a", "view-b");
    assertThat(
            content.cas().stream()
                .filter(c -> c.id().equals("view-a"))
                .findFirst()
                .orElseThrow()
                .currentGeneration())
        .isEqualTo(2);
    assertThat(content.caCertificates()).extracting(CertificateRecord::serialHex).contains("77");
    assertThat(content.crossPairs()).extracting(CrossPairRecord::id).contains("view-a-view-b");
    assertThat(content.latestCrls())
        .anyMatch(c -> c.caId().equals("view-a") && c.number().intValue() == 5);
  }

  private static CrlRecord crl(String ca, String scope, int number) {
    byte[] der = new byte[] {(byte) number, 1, 2, 3};
    return new CrlRecord(
        0,
        ca,
        scope,
        BigInteger.valueOf(number),
        NOW,
        NOW.plusSeconds(3600),
        ca + "-g1",
        0,
        der,
        der);
  }
}
