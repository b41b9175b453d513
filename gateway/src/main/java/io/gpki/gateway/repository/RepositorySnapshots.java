package io.gpki.gateway.repository;

import io.gpki.gateway.BackgroundLoop;
import java.util.Objects;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.sync.CertificateLookupOverlap;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.ReferralLookup;
import io.gpki.sync.RepositoryContentSource;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Holds the current {@link RepositorySnapshot} and rebuilds it when the change log moves: at once on a
 * local change signal, and by polling the change-log head (changes made by another node or process).
 * When the store is unreachable the last snapshot keeps being served.
 */
public final class RepositorySnapshots {

  private static final Logger LOG = LoggerFactory.getLogger(RepositorySnapshots.class);

  private final AtomicReference<RepositorySnapshot> current =
      new AtomicReference<>(RepositorySnapshot.empty());
  private final RepositoryContentSource content;
  private final ChangeLogReader changeLog;
  private final ReferralLookup referrals;
  private final SnapshotBuilder builder;
  private final @Nullable CertificateLookupOverlap overlap;

  /**
   * @param content the store's consistent read
   * @param changeLog the change-log head
   * @param referrals registered referrals (part of every snapshot)
   * @param urls the URL scheme
   * @param interfaces the lookup interfaces named in the index
   * @param maxResults most objects one lookup answers
   * @param clock the clock
   */
  public RepositorySnapshots(
      RepositoryContentSource content, ChangeLogReader changeLog, ReferralLookup referrals,
      RepositoryUrls urls, RepositoryInterfaces interfaces, int maxResults, Clock clock) {
    this(content, changeLog, referrals, urls, interfaces, maxResults, clock, null);
  }

  /**
   * @param overlap which certificate keys the store's unlabelled end-entity certificates share with the
   *     snapshot's, read after each load; {@code null}: none (a snapshot-only certificate store)
   */
  public RepositorySnapshots(
      RepositoryContentSource content, ChangeLogReader changeLog, ReferralLookup referrals,
      RepositoryUrls urls, RepositoryInterfaces interfaces, int maxResults, Clock clock,
      @Nullable CertificateLookupOverlap overlap) {
    this.overlap = overlap;
    this.content = content;
    this.changeLog = changeLog;
    this.referrals = referrals;
    this.builder = new SnapshotBuilder(urls, clock, interfaces, maxResults);
  }

  /** The snapshot to serve now. Never blocks. */
  public RepositorySnapshot current() {
    return Objects.requireNonNull(current.get());
  }

  /** Loads and installs a new snapshot. */
  public Mono<RepositorySnapshot> refresh() {
    return Mono.zip(content.load(), referrals.referrals().collectList())
        // The overlap is read after the content, so it covers every certificate stored before the load.
        .flatMap(t -> sharedKeys().map(shared -> builder.build(t.getT1(), t.getT2(), shared)))
        .doOnNext(
            s -> {
              current.set(s);
              LOG.info("repository snapshot at change-log seq {} ({} objects)", s.changeLogHead(), s.byPath().size());
            });
  }

  private Mono<Set<String>> sharedKeys() {
    if (overlap == null) {
      return Mono.just(Set.of());
    }
    return overlap.sharedWithUnlabelled()
        .map(k -> LookupIndex.key(k.attribute(), k.value()))
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Refreshes only when the change log has moved past the current snapshot. */
  public Mono<Void> refreshIfMoved() {
    return changeLog
        .head()
        .filter(head -> head != current().changeLogHead())
        .flatMap(head -> refresh())
        .then();
  }

  /**
   * Starts refreshing: on every local change signal (coalesced) and every {@code poll}.
   *
   * @return a handle that stops it
   */
  public Disposable start(Flux<Boolean> localChanges, Duration poll) {
    // A failed refresh keeps serving the previous snapshot.
    return BackgroundLoop.start(
        "repository snapshot refresh",
        Flux.merge(Flux.interval(poll), localChanges.sample(Duration.ofMillis(50))),
        () -> refreshIfMoved().timeout(Duration.ofSeconds(30)));
  }
}
