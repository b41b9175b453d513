package io.gpki.gateway.operations;

import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.CenterView;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Runs the writer roles (CRL/ARL schedule, journal worker, OCSP pre-signer, outbox dispatchers)
 * only while this replica may write: its center is MASTER, it holds the writer leadership ({@link
 * io.gpki.sync.failover.LeaderLock}), and no promotion is in progress (a promotion runs its own
 * steps in order, then opens the gate). When any of these ends, every writer is stopped at once.
 */
public final class WriterGate implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WriterGate.class);

  private final Flux<Boolean> open;
  private final Flux<Boolean> leading;
  private final Sinks.Many<Boolean> promoting = Sinks.many().replay().latest();
  private final Disposable.Composite running = Disposables.composite();

  /**
   * @param center this node's center (role)
   * @param leadership this replica's writer leadership
   */
  public WriterGate(CenterState center, Flux<Boolean> leadership) {
    promoting.tryEmitNext(false);
    this.leading = leadership.distinctUntilChanged().replay(1).refCount();
    this.open =
        Flux.combineLatest(
                center.changes().map(CenterView::writable),
                leadership,
                promoting.asFlux(),
                all -> (Boolean) all[0] && (Boolean) all[1] && !(Boolean) all[2])
            .distinctUntilChanged()
            .replay(1)
            .refCount();
  }

  /** Whether writers may run now, then every change. */
  public Flux<Boolean> open() {
    return open;
  }

  /** Holds the writers stopped while a promotion runs its steps; release with {@code false}. */
  public void promoting(boolean inProgress) {
    promoting.emitNext(inProgress, Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(100)));
  }

  /**
   * Runs a writer while the gate is open: started each time it opens, disposed the moment it
   * closes.
   *
   * @param name for the log
   * @param writer starts the writer and returns its handle
   */
  public Disposable run(String name, Supplier<Disposable> writer) {
    Disposable d = follow(name, open, writer);
    running.add(d);
    return d;
  }

  /**
   * Runs a task on the leader whatever the center's role (the approved-action executor: a backup
   * executes its own FAILOVER approval).
   */
  public Disposable runOnLeader(String name, Supplier<Disposable> writer) {
    Disposable d = follow(name, leading, writer);
    running.add(d);
    return d;
  }

  private static Disposable follow(String name, Flux<Boolean> gate, Supplier<Disposable> writer) {
    Disposable.Swap current = Disposables.swap();
    Disposable watch =
        gate.subscribe(
            on -> {
              if (on) {
                LOG.info("writer {} starts", name);
                current.update(writer.get());
              } else if (current.get() != null && !current.get().isDisposed()) {
                LOG.warn("writer {} stops", name);
                current.update(Disposables.disposed());
              }
            });
    return Disposables.composite(watch, current);
  }

  @Override
  public void close() {
    running.dispose();
  }
}
