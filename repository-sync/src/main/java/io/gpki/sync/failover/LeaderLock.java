package io.gpki.sync.failover;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.store.ConnectionPools;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * Leader election among the gateway replicas of one center: the leader is the replica whose
 * dedicated database session holds a PostgreSQL session-level advisory lock ({@code
 * pg_try_advisory_lock}). No consensus of our own: PostgreSQL releases the lock the moment the
 * session ends (process killed, connection cut, backend terminated), and another replica's next try
 * takes it.
 *
 * <p>The session is one connection outside any pool, kept open and pinged every {@code check}; a
 * failed ping, or one not answered within {@code 4 * check}, ends leadership at once. A replica
 * that has just taken the lock waits {@code 6 * check} before it leads, longer than the former
 * leader can take to notice its loss (a ping interval plus a ping timeout), so two replicas never
 * lead at the same instant as long as pauses stay shorter than one check. The stores' own fences
 * (CRL number reservation, journal row claims) cover what is left.
 */
public final class LeaderLock implements AutoCloseable {

  /** The advisory lock key of the writer roles ("gpkiWRIT"). */
  public static final long WRITERS = 0x67706b6957524954L;

  private static final Logger LOG = LoggerFactory.getLogger(LeaderLock.class);

  private final ConnectionFactory connections;
  private final long key;
  private final Duration check;
  private final Duration grace;
  private final Duration timeout;
  private final Clock clock;
  private final String name;
  private final Sinks.Many<Boolean> leadership = Sinks.many().replay().latest();
  private volatile boolean leader;
  private final AtomicReference<@Nullable Instant> lockedAt = new AtomicReference<>();
  private final Disposable loop;

  private LeaderLock(
      ConnectionFactory connections, long key, Duration check, Clock clock, String name) {
    this.connections = connections;
    this.key = key;
    this.check = check;
    this.timeout = check.multipliedBy(4);
    this.grace = check.multipliedBy(6);
    this.clock = clock;
    this.name = name;
    leadership.tryEmitNext(false);
    this.loop =
        Flux.defer(this::session)
            .repeatWhen(done -> done.delayElements(check))
            .retryWhen(Retry.fixedDelay(Long.MAX_VALUE, check))
            .subscribe();
  }

  /**
   * Starts competing for the lock at once.
   *
   * @param db the center's database
   * @param key the advisory lock key (one per kind of leadership, e.g. {@link #WRITERS})
   * @param check how often the session is pinged and the lock is tried
   * @param name this replica's name (PostgreSQL application name, logs)
   */
  public static LeaderLock start(
      DatabaseCoordinates db, long key, Duration check, Clock clock, String name) {
    return new LeaderLock(
        ConnectionPools.unpooled(db, "gpki-leader-" + name), key, check, clock, name);
  }

  /** Whether this replica leads now. A volatile read. */
  public boolean isLeader() {
    return leader;
  }

  /** The current leadership, then every change. */
  public Flux<Boolean> leadership() {
    return leadership.asFlux();
  }

  private Mono<Void> session() {
    return Mono.usingWhen(
        connections.create(), this::hold, c -> release(c), (c, e) -> release(c), c -> release(c));
  }

  /**
   * Tries the lock (or pings once held) every {@code check}; ends with an error when the session
   * fails.
   */
  private Mono<Void> hold(Connection c) {
    return Flux.interval(Duration.ZERO, check)
        .onBackpressureDrop()
        .concatMap(tick -> (lockedAt.get() == null ? tryLock(c) : ping(c)).timeout(timeout), 1)
        .then()
        .doOnError(e -> LOG.warn("leader session of {} failed: {}", name, e.toString()));
  }

  private Mono<Void> tryLock(Connection c) {
    return Flux.from(c.createStatement("SELECT pg_try_advisory_lock($1)").bind("$1", key).execute())
        .flatMap(r -> r.map((row, meta) -> Boolean.TRUE.equals(row.get(0, Boolean.class))))
        .next()
        .doOnNext(
            got -> {
              if (got) {
                lockedAt.set(clock.instant());
                LOG.info("{} holds the writer lock; leads after {}", name, grace);
              }
            })
        .then();
  }

  private Mono<Void> ping(Connection c) {
    return Flux.from(c.createStatement("SELECT 1").execute())
        .flatMap(r -> r.map((row, meta) -> 1))
        .then()
        .doOnSuccess(
            x -> {
              Instant at = lockedAt.get();
              if (!leader && at != null && !clock.instant().isBefore(at.plus(grace))) {
                set(true);
              }
            });
  }

  private Mono<Void> release(Connection c) {
    return Mono.defer(
        () -> {
          lockedAt.set(null);
          set(false);
          return Mono.from(c.close()).onErrorResume(e -> Mono.empty());
        });
  }

  private synchronized void set(boolean now) {
    if (leader != now) {
      leader = now;
      LOG.warn("{} {} the writer roles", name, now ? "leads" : "no longer leads");
      leadership.emitNext(now, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
    }
  }

  /** Stops competing; a held lock is released with the session. */
  @Override
  public void close() {
    loop.dispose();
    lockedAt.set(null);
    set(false);
  }
}
