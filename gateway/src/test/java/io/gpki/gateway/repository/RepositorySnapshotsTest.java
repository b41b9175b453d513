package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.Referral;
import io.gpki.sync.ReferralStore;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryContentSource;
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

    @Override
    public Mono<RepositoryContent> load() {
      if (down.get()) {
        failedLoads.incrementAndGet();
        return Mono.error(new IllegalStateException("connection refused"));
      }
      return Mono.just(new RepositoryContent(head.get(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()));
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
      return down.get() ? Flux.error(new IllegalStateException("connection refused")) : Flux.empty();
    }
  }

  @Test
  void theLastSnapshotKeepsBeingServedWhileTheStoreIsUnreachableAndIsReplacedWhenItIsBack() throws Exception {
    FakeStore store = new FakeStore();
    RepositoryUrls urls = new RepositoryUrls("http://localhost:8080", "ldap://localhost:1389");
    RepositorySnapshots snapshots =
        new RepositorySnapshots(store, store, store, urls, new RepositoryInterfaces(urls, "localhost", () -> 1389), 100,
            Clock.systemUTC());
    StepVerifier.create(snapshots.refresh()).expectNextCount(1).expectComplete().verify(Duration.ofSeconds(10));
    RepositorySnapshot first = snapshots.current();
    assertThat(first.loaded()).isTrue();
    assertThat(first.changeLogHead()).isEqualTo(1);

    store.down.set(true);
    store.head.set(2); // the log moved, but the content cannot be read
    Disposable refresher = snapshots.start(Flux.never(), Duration.ofMillis(50));
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (store.failedLoads.get() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(store.failedLoads.get()).as("refresh attempts kept going after failures").isGreaterThanOrEqualTo(3);
      assertThat(snapshots.current()).isSameAs(first);

      store.down.set(false);
      while (snapshots.current().changeLogHead() != 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(snapshots.current().changeLogHead()).isEqualTo(2);
      assertThat(snapshots.current().loaded()).isTrue();
    } finally {
      refresher.dispose();
    }
  }
}
