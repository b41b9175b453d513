package io.gpki.gateway.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CertificateStatusReader;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.Revocation;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The index starts from the store's status snapshot and follows the change log from its position.
 */
class CertificateIndexTest {

  private static final Duration VERIFY = Duration.ofSeconds(10);
  private static final Instant NOT_AFTER = Instant.parse("2040-01-01T00:00:00Z");
  private static final Revocation KEY_COMPROMISE =
      new Revocation(Instant.parse("2030-01-01T00:00:00Z"), 1, null);
  private static byte[] der;

  @BeforeAll
  static void certificate() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair k = g.generateKeyPair();
    der =
        new JcaX509v3CertificateBuilder(
                new X500Name("CN=ca"),
                BigInteger.ONE,
                Date.from(NOT_AFTER.minusSeconds(86_400)),
                Date.from(NOT_AFTER),
                new X500Name("CN=ee"),
                k.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(k.getPrivate()))
            .getEncoded();
  }

  /** A status snapshot in a list; {@code failAfter} rows, then an error (-1: never). */
  private static final class FakeStatuses implements CertificateStatusReader {
    final List<Item> items = new ArrayList<>();
    volatile int failAfter = -1;
    volatile Set<String> askedDer;

    @Override
    public Flux<Item> snapshot(Set<String> derOfProfiles) {
      askedDer = derOfProfiles;
      Flux<Item> all = Flux.fromIterable(List.copyOf(items));
      return failAfter < 0
          ? all
          : all.take(failAfter)
              .concatWith(Flux.error(new IllegalStateException("connection lost")));
    }
  }

  /** A change log in a list; records where each read started. */
  private static final class FakeLog implements ChangeLogReader {
    final List<ChangeLogEntry> entries = new CopyOnWriteArrayList<>();
    final List<Long> reads = new CopyOnWriteArrayList<>();

    @Override
    public Mono<Long> head() {
      return Mono.just(entries.isEmpty() ? 0L : entries.get(entries.size() - 1).seq());
    }

    @Override
    public Flux<ChangeLogEntry> after(long afterSeq, int limit) {
      reads.add(afterSeq);
      return Flux.fromIterable(entries).filter(e -> e.seq() > afterSeq).take(limit);
    }
  }

  private static CertificateStatusReader.Status status(
      String serial, Revocation r, String profile) {
    return new CertificateStatusReader.Status(
        "ca", 1, serial, profile, NOT_AFTER, r, profile.equals("OCSP_SIGNING") ? der : null);
  }

  private static ChangeLogEntry entry(long seq, String entity, String serial, boolean revoked) {
    String payload =
        "{\"issuerCaId\":\"ca\",\"issuerGeneration\":1,\"serialHex\":\""
            + serial
            + "\",\"profile\":\"USER_SIGNING\","
            + "\"der\":\""
            + Base64.getEncoder().encodeToString(der)
            + "\","
            + (revoked
                ? "\"revokedAt\":\"2030-02-01T00:00:00Z\",\"revocationReason\":4"
                : "\"revokedAt\":null")
            + "}";
    return new ChangeLogEntry(seq, Instant.EPOCH, entity, "ca/" + serial, "UPSERT", payload);
  }

  @Test
  void loadsTheSnapshotThenFollowsTheLogFromItsPositionOnly() {
    FakeStatuses statuses = new FakeStatuses();
    statuses.items.add(new CertificateStatusReader.Position(5));
    statuses.items.add(status("a", null, "USER_SIGNING"));
    statuses.items.add(status("b", KEY_COMPROMISE, "USER_SIGNING"));
    statuses.items.add(status("f", null, "OCSP_SIGNING"));
    FakeLog log = new FakeLog();
    // History before the position would say b is good: it must not be replayed.
    log.entries.add(entry(4, "CERTIFICATE", "b", false));
    log.entries.add(entry(6, "REVOCATION", "a", true));
    log.entries.add(entry(7, "CERTIFICATE", "c", false));
    CertificateIndex index = new CertificateIndex(statuses, log);

    StepVerifier.create(index.sync())
        .assertNext(
            sync -> {
              assertThat(sync.changed()).containsExactlyInAnyOrder("ca/a", "ca/c");
              assertThat(sync.revoked()).containsExactly("ca/a");
            })
        .expectComplete()
        .verify(VERIFY);
    assertThat(log.reads.get(0)).as("the log is read from the snapshot's position").isEqualTo(5);
    assertThat(statuses.askedDer).containsExactly("OCSP_SIGNING");
    assertThat(index.position()).isEqualTo(7);
    assertThat(index.get("ca/a").revocation()).isNotNull();
    assertThat(index.get("ca/b").revocation())
        .as("from the snapshot, not the old entry")
        .isEqualTo(KEY_COMPROMISE);
    assertThat(index.get("ca/c").notAfter()).isEqualTo(NOT_AFTER);
    assertThat(index.get("ca/ffff")).isNull();
    assertThat(index.get("other/a")).isNull();
    assertThat(index.entries()).hasSize(4);
    assertThat(index.responderCertificates("ca", 1))
        .extracting(CertificateIndex.Entry::key)
        .containsExactly("ca/f");
    assertThat(index.get("ca/a").der()).as("DER kept only for responders").isNull();

    // Later syncs only follow the log.
    log.entries.add(entry(8, "REVOCATION", "c", true));
    StepVerifier.create(index.sync())
        .assertNext(sync -> assertThat(sync.revoked()).containsExactly("ca/c"))
        .expectComplete()
        .verify(VERIFY);
    assertThat(index.position()).isEqualTo(8);
    assertThat(index.get("ca/c").revocation().reason()).isEqualTo(4);
  }

  @Test
  void aFailedLoadLeavesNothingHalfLoadedAndIsRetried() {
    FakeStatuses statuses = new FakeStatuses();
    statuses.items.add(new CertificateStatusReader.Position(3));
    statuses.items.add(status("a", null, "USER_SIGNING"));
    statuses.items.add(status("b", null, "USER_SIGNING"));
    statuses.failAfter = 2;
    CertificateIndex index = new CertificateIndex(statuses, new FakeLog());
    StepVerifier.create(index.sync()).expectError(IllegalStateException.class).verify(VERIFY);
    assertThat(index.loaded()).isFalse();

    statuses.items.set(1, status("c", null, "USER_SIGNING"));
    statuses.failAfter = -1;
    StepVerifier.create(index.sync()).expectNextCount(1).expectComplete().verify(VERIFY);
    assertThat(index.loaded()).isTrue();
    assertThat(index.entries())
        .extracting(CertificateIndex.Entry::key)
        .containsExactlyInAnyOrder("ca/b", "ca/c");
    assertThat(index.position()).isEqualTo(3);
  }

  @Test
  void aSnapshotWithoutAPositionIsNotUsed() {
    FakeStatuses statuses = new FakeStatuses();
    statuses.items.add(status("a", null, "USER_SIGNING"));
    CertificateIndex index = new CertificateIndex(statuses, new FakeLog());
    StepVerifier.create(index.sync()).expectError(IllegalStateException.class).verify(VERIFY);
    assertThat(index.loaded()).isFalse();
  }
}
