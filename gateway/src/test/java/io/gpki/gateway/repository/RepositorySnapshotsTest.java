package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.Referral;
import io.gpki.sync.ReferralStore;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.testing.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The in-memory snapshot outlives an unreachable store. */
class RepositorySnapshotsTest {

  /** A store whose change log and content can be made unreachable. */
  static final class FakeStore implements RepositoryContentSource, ChangeLogReader, ReferralStore {
    final AtomicLong head = new AtomicLong(1);
    final AtomicBoolean down = new AtomicBoolean();
    final AtomicInteger failedLoads = new AtomicInteger();
    volatile List<io.gpki.sync.CaRecord> cas = List.of();
    volatile List<io.gpki.sync.CrlRecord> crls = List.of();

    @Override
    public Mono<RepositoryContent> load() {
      if (down.get()) {
        failedLoads.incrementAndGet();
        return Mono.error(new IllegalStateException("connection refused"));
      }
      return Mono.just(
          new RepositoryContent(head.get(), cas, List.of(), List.of(), List.of(), crls, List.of()));
    }

    @Override
    public Mono<Long> head() {
      // The head still answers (e.g. from a replica) while the content read fails: the harder case.
      return Mono.fromSupplier(head::get);
    }

    @Override
    public Flux<ChangeLogEntry> after(long afterSeq, int limit) {
      return Flux.empty();
    }

    @Override
    public Mono<Referral> put(Referral referral) {
      return Mono.just(referral);
    }

    @Override
    public Mono<Boolean> delete(String id) {
      return Mono.just(false);
    }

    @Override
    public Flux<Referral> referrals() {
      return down.get()
          ? Flux.error(new IllegalStateException("connection refused"))
          : Flux.empty();
    }
  }

  private static final java.security.KeyPair CRL_KEY = crlKey();

  private static java.security.KeyPair crlKey() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final java.util.Map<Long, io.gpki.sync.CrlRecord> LISTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A real, signed CRL of CA "tca" with the given number (one per number). */
  private static io.gpki.sync.CrlRecord list(long number) {
    return LISTS.computeIfAbsent(number, RepositorySnapshotsTest::newList);
  }

  private static io.gpki.sync.CrlRecord newList(long number) {
    java.time.Instant at = java.time.Instant.parse("2031-01-01T00:00:00Z").plusSeconds(number);
    byte[] der;
    try {
      org.bouncycastle.cert.X509v2CRLBuilder b =
          new org.bouncycastle.cert.X509v2CRLBuilder(
              new org.bouncycastle.asn1.x500.X500Name("CN=T"), java.util.Date.from(at));
      b.setNextUpdate(java.util.Date.from(at.plusSeconds(7200)));
      b.addExtension(
          org.bouncycastle.asn1.x509.Extension.cRLNumber,
          false,
          new org.bouncycastle.asn1.x509.CRLNumber(java.math.BigInteger.valueOf(number)));
      der =
          b.build(
                  new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                      .build(CRL_KEY.getPrivate()))
              .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return new io.gpki.sync.CrlRecord(
        number,
        "tca",
        "CRL",
        java.math.BigInteger.valueOf(number),
        at,
        at.plusSeconds(7200),
        "tca-g1",
        0,
        der,
        der);
  }

  @Test
  void aListIsNeverReplacedByOneWithAnEqualOrLowerNumber() {
    FakeStore store = new FakeStore();
    java.time.Instant t = java.time.Instant.parse("2031-01-01T00:00:00Z");
    store.cas =
        List.of(
            new io.gpki.sync.CaRecord(
                "tca", "T", "GOVERNMENT", "CN=T", new byte[] {1}, null, 1, t, t));
    RepositoryUrls urls = new RepositoryUrls("http://localhost:8080", "ldap://localhost:1389");
    RepositorySnapshots snapshots =
        new RepositorySnapshots(
            store,
            store,
            store,
            urls,
            new RepositoryInterfaces(urls, "localhost", () -> 1389),
            100,
            Clock.systemUTC());
    String path = RepositoryUrls.listPath("tca", io.gpki.signer.CrlScope.CRL);
    Duration wait = Duration.ofSeconds(10);

    store.crls = List.of(list(10));
    StepVerifier.create(snapshots.refresh()).expectNextCount(1).expectComplete().verify(wait);
    assertThat(snapshots.current().byPath().get(path).body()).isEqualTo(list(10).der());

    // A restored or re-seeded store hands back an older list: the served one stays.
    store.crls = List.of(list(5));
    store.head.incrementAndGet();
    StepVerifier.create(snapshots.refresh()).expectNextCount(1).expectComplete().verify(wait);
    assertThat(snapshots.current().byPath().get(path).body()).isEqualTo(list(10).der());

    store.crls = List.of(list(11));
    store.head.incrementAndGet();
    StepVerifier.create(snapshots.refresh()).expectNextCount(1).expectComplete().verify(wait);
    assertThat(snapshots.current().byPath().get(path).body()).isEqualTo(list(11).der());
  }

  @Test
  void theLastSnapshotKeepsBeingServedWhileTheStoreIsUnreachableAndIsReplacedWhenItIsBack()
      throws Exception {
    FakeStore store = new FakeStore();
    RepositoryUrls urls = new RepositoryUrls("http://localhost:8080", "ldap://localhost:1389");
    RepositorySnapshots snapshots =
        new RepositorySnapshots(
            store,
            store,
            store,
            urls,
            new RepositoryInterfaces(urls, "localhost", () -> 1389),
            100,
            Clock.systemUTC());
    StepVerifier.create(snapshots.refresh())
        .expectNextCount(1)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    RepositorySnapshot first = snapshots.current();
    assertThat(first.loaded()).isTrue();
    assertThat(first.changeLogHead()).isEqualTo(1);

    store.down.set(true);
    store.head.set(2); // the log moved, but the content cannot be read
    Disposable refresher = snapshots.start(Flux.never(), Duration.ofMillis(50));
    try {
      Await.await(
          "refresh attempts kept going after failures",
          () -> store.failedLoads.get() >= 3,
          Duration.ofSeconds(10));
      assertThat(snapshots.current()).isSameAs(first);

      store.down.set(false);
      Await.await(
          "the snapshot at head 2",
          () -> snapshots.current().changeLogHead() == 2,
          Duration.ofSeconds(10));
      assertThat(snapshots.current().loaded()).isTrue();
    } finally {
      refresher.dispose();
    }
  }
}
