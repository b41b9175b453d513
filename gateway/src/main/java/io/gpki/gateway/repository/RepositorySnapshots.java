package io.gpki.gateway.repository;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.PublicationHold;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.sync.CertificateLookupOverlap;
import io.gpki.sync.ChangeLogReader;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.ReferralLookup;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryContentSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Holds the current {@link RepositorySnapshot} and rebuilds it when the change log moves: at once
 * on a local change signal, and by polling the change-log head (changes made by another node or
 * process). When the store is unreachable the last snapshot keeps being served.
 *
 * <p>A snapshot never replaces a CRL/ARL with one of an equal or lower number: if a load returns an
 * older list for a CA and scope (a store restored from a backup, a re-seeded replica), the list
 * served so far stays. Relying parties never see a CRL number go backwards at this node.
 *
 * <p>With a {@link PublicationHold} active (replication on, this center the master), a list newer
 * than the one served is <em>withheld</em> until the backup acknowledged the change-log seq that
 * carries it (bounded by the head of the load that first saw it) or the hold's timeout passed: the
 * snapshot keeps serving the previous list meanwhile, and its release triggers a refresh. The
 * archive write itself never waits.
 */
public final class RepositorySnapshots {

  private static final Logger LOG = LoggerFactory.getLogger(RepositorySnapshots.class);

  private final AtomicReference<RepositorySnapshot> current =
      new AtomicReference<>(RepositorySnapshot.empty());
  // The lists the current snapshot serves, by "ca/scope".
  private final AtomicReference<Map<String, CrlRecord>> servedLists =
      new AtomicReference<>(Map.of());
  private final RepositoryContentSource content;
  private final ChangeLogReader changeLog;
  private final ReferralLookup referrals;
  private final SnapshotBuilder builder;
  private final @Nullable CertificateLookupOverlap overlap;
  private final PublicationHold hold;
  // Lists withheld from the snapshot: "ca/scope/number" -> the change-log seq they wait for.
  private volatile Map<String, Long> withheld = Map.of();

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
      RepositoryContentSource content,
      ChangeLogReader changeLog,
      ReferralLookup referrals,
      RepositoryUrls urls,
      RepositoryInterfaces interfaces,
      int maxResults,
      Clock clock) {
    this(content, changeLog, referrals, urls, interfaces, maxResults, clock, null);
  }

  /**
   * @param overlap which certificate keys the store's unlabelled end-entity certificates share with
   *     the snapshot's, read after each load; {@code null}: none (a snapshot-only certificate
   *     store)
   */
  public RepositorySnapshots(
      RepositoryContentSource content,
      ChangeLogReader changeLog,
      ReferralLookup referrals,
      RepositoryUrls urls,
      RepositoryInterfaces interfaces,
      int maxResults,
      Clock clock,
      @Nullable CertificateLookupOverlap overlap) {
    this(
        content,
        changeLog,
        referrals,
        urls,
        interfaces,
        maxResults,
        clock,
        overlap,
        PublicationHold.none());
  }

  /**
   * @param hold withholds new lists until the backup holds them (none: a lone center)
   */
  public RepositorySnapshots(
      RepositoryContentSource content,
      ChangeLogReader changeLog,
      ReferralLookup referrals,
      RepositoryUrls urls,
      RepositoryInterfaces interfaces,
      int maxResults,
      Clock clock,
      @Nullable CertificateLookupOverlap overlap,
      PublicationHold hold) {
    this.hold = hold;
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
        // Acknowledgements are read after the content: a list the load saw at head h is released
        // if the backup acknowledged h by now.
        .flatMap(t -> acknowledgements().thenReturn(t))
        // The overlap is read after the content, so it covers every certificate stored before the
        // load.
        .flatMap(
            t -> {
              RepositoryContent content = withhold(neverBackwards(t.getT1()));
              return sharedKeys()
                  .map(shared -> new Built(content, builder.build(content, t.getT2(), shared)));
            })
        .doOnNext(b -> servedLists.set(byList(b.content().latestCrls())))
        .map(Built::snapshot)
        .doOnNext(
            s -> {
              current.set(s);
              LOG.info(
                  "repository snapshot at change-log seq {} ({} objects)",
                  s.changeLogHead(),
                  s.byPath().size());
            });
  }

  private record Built(RepositoryContent content, RepositorySnapshot snapshot) {}

  /** Keeps each list served so far unless the load has one with a higher number. */
  RepositoryContent neverBackwards(RepositoryContent loaded) {
    Map<String, CrlRecord> served = Objects.requireNonNull(servedLists.get());
    if (served.isEmpty()) {
      return loaded;
    }
    Map<String, CrlRecord> merged = new java.util.LinkedHashMap<>(served);
    for (CrlRecord l : loaded.latestCrls()) {
      CrlRecord before = merged.get(key(l));
      if (before == null || l.number().compareTo(before.number()) > 0) {
        merged.put(key(l), l);
      } else if (l.number().compareTo(before.number()) < 0) {
        LOG.warn(
            "the store's {} of {} has number {}, below the {} served: keeping the served list",
            l.scope(),
            l.caId(),
            l.number(),
            before.number());
      }
    }
    List<CrlRecord> lists = new ArrayList<>(merged.values());
    return new RepositoryContent(
        loaded.changeLogHead(),
        loaded.cas(),
        loaded.keys(),
        loaded.caCertificates(),
        loaded.labeledCertificates(),
        lists,
        loaded.crossPairs());
  }

  private Mono<Void> acknowledgements() {
    return hold.active() ? hold.refreshAcknowledged() : Mono.empty();
  }

  /**
   * Keeps serving the previous list of a CA and scope while its new list is not released by the
   * publication hold (and serves no list yet where none was served before); starts the wait.
   */
  RepositoryContent withhold(RepositoryContent loaded) {
    if (!hold.active()) {
      withheld = Map.of();
      return loaded;
    }
    Map<String, CrlRecord> served = Objects.requireNonNull(servedLists.get());
    Map<String, Long> before = withheld;
    Map<String, Long> still = new java.util.LinkedHashMap<>();
    List<CrlRecord> lists = new ArrayList<>();
    for (CrlRecord l : loaded.latestCrls()) {
      CrlRecord previous = served.get(key(l));
      if (previous != null && previous.number().equals(l.number())) {
        lists.add(l);
        continue;
      }
      String id = key(l) + "/" + l.number();
      // The head of the first load that saw the list: at or above the seq of its archive entry.
      long seq = before.getOrDefault(id, loaded.changeLogHead());
      if (hold.released(seq)) {
        lists.add(l);
        continue;
      }
      still.put(id, seq);
      hold.request(seq);
      if (previous != null) {
        lists.add(previous);
      }
      if (!before.containsKey(id)) {
        LOG.info(
            "{} {} number {} withheld until the backup acknowledges change-log seq {}",
            l.scope(),
            l.caId(),
            l.number(),
            seq);
      }
    }
    withheld = Map.copyOf(still);
    if (still.isEmpty()) {
      return loaded;
    }
    return new RepositoryContent(
        loaded.changeLogHead(),
        loaded.cas(),
        loaded.keys(),
        loaded.caCertificates(),
        loaded.labeledCertificates(),
        lists,
        loaded.crossPairs());
  }

  /**
   * Whether an archived list may be served by its number: at or below the number this snapshot
   * serves for its CA and scope (always, without an active publication hold).
   */
  public boolean exposed(CrlRecord l) {
    if (!hold.active()) {
      return true;
    }
    CrlRecord served = Objects.requireNonNull(servedLists.get()).get(key(l));
    return served != null && l.number().compareTo(served.number()) <= 0;
  }

  /** Lists withheld from the snapshot now, as {@code ca/scope/number} (status, tests). */
  public Set<String> withheld() {
    return withheld.keySet();
  }

  private static Map<String, CrlRecord> byList(List<CrlRecord> lists) {
    Map<String, CrlRecord> m = new java.util.LinkedHashMap<>();
    lists.forEach(l -> m.put(key(l), l));
    return Map.copyOf(m);
  }

  private static String key(CrlRecord l) {
    return l.caId() + "/" + l.scope();
  }

  private Mono<Set<String>> sharedKeys() {
    if (overlap == null) {
      return Mono.just(Set.of());
    }
    return overlap
        .sharedWithUnlabelled()
        .map(k -> LookupIndex.key(k.attribute(), k.value()))
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Refreshes only when the change log has moved past the current snapshot, or a list is withheld
   * (it may have been released).
   */
  public Mono<Void> refreshIfMoved() {
    return changeLog
        .head()
        .filter(head -> head != current().changeLogHead() || !withheld.isEmpty())
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
        Flux.merge(
            Flux.interval(poll),
            localChanges.sample(Duration.ofMillis(50)),
            // A withheld list was released: serve it now.
            hold.releases()),
        () -> refreshIfMoved().timeout(Duration.ofSeconds(30)));
  }
}
