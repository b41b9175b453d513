package io.gpki.gateway.registration;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Starts notification delivery once the application is ready: the webhook and mail dispatchers
 * (which first deliver whatever an earlier run left pending, at its persisted next-attempt times),
 * the expiry scan, and the gauge {@code gpki.notifications.outbox{channel,state}} (refreshed every
 * 15 seconds; DEAD and UNDELIVERABLE events stay visible there and in the API).
 */
public final class NotificationStartup
    implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  /** The gauge is a coarse view; one GROUP BY every 15 s is plenty. */
  private static final Duration GAUGE_REFRESH = Duration.ofSeconds(15);

  private final NotificationProperties props;
  private final OutboxDispatcher webhooks;
  private final OutboxDispatcher mails;
  private final ExpiryScanner expiry;
  private final NotificationOutbox outbox;
  private final Map<OutboxEvent.Channel, Map<OutboxEvent.State, AtomicLong>> gauges =
      new EnumMap<>(OutboxEvent.Channel.class);
  private volatile Disposable.Composite running = Disposables.composite();
  private final RegistrationStartup.Writers writers;

  public NotificationStartup(
      NotificationProperties props,
      OutboxDispatcher webhooks,
      OutboxDispatcher mails,
      ExpiryScanner expiry,
      NotificationOutbox outbox,
      MeterRegistry meters) {
    this(
        props,
        webhooks,
        mails,
        expiry,
        outbox,
        meters,
        (name, writer) -> {
          // Without a writer gate (tests) the loop just runs; it stops when its sources complete.
          reactor.core.Disposable unused = writer.get();
        });
  }

  /**
   * @param writers runs the dispatchers only while this replica may write (one outbox writer per
   *     center)
   */
  public NotificationStartup(
      NotificationProperties props,
      OutboxDispatcher webhooks,
      OutboxDispatcher mails,
      ExpiryScanner expiry,
      NotificationOutbox outbox,
      MeterRegistry meters,
      RegistrationStartup.Writers writers) {
    this.writers = writers;
    this.props = props;
    this.webhooks = webhooks;
    this.mails = mails;
    this.expiry = expiry;
    this.outbox = outbox;
    for (OutboxEvent.Channel c : OutboxEvent.Channel.values()) {
      Map<OutboxEvent.State, AtomicLong> byState = new EnumMap<>(OutboxEvent.State.class);
      for (OutboxEvent.State s : OutboxEvent.State.values()) {
        AtomicLong v = new AtomicLong();
        byState.put(s, v);
        Gauge.builder("gpki.notifications.outbox", v, AtomicLong::get)
            .description("notifications by state")
            .tag("channel", c.name())
            .tag("state", s.name())
            .register(meters);
      }
      gauges.put(c, byState);
    }
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (!props.enabled()) {
      return;
    }
    writers.run(
        "outbox-dispatchers",
        () -> {
          start();
          return this::stop;
        });
  }

  /** Starts every loop (also used by tests to simulate a restart after {@link #stop()}). */
  public synchronized void start() {
    if (running.isDisposed()) {
      running = Disposables.composite();
    }
    running.add(webhooks.start(props.pollInterval()));
    if (props.smtp().enabled()) {
      running.add(mails.start(props.pollInterval()));
    }
    running.add(expiry.start(props.expiryScanInterval()));
    running.add(
        BackgroundLoop.start(
            "notification gauge refresh", BackgroundLoop.every(GAUGE_REFRESH), this::refresh));
  }

  /** Stops every loop (an in-flight attempt is cancelled; its event stays pending). */
  public synchronized void stop() {
    running.dispose();
  }

  Mono<Void> refresh() {
    return outbox
        .counts()
        .doOnNext(
            counts ->
                gauges.forEach(
                    (c, byState) ->
                        byState.forEach(
                            (s, v) -> v.set(counts.getOrDefault(c.name() + "/" + s.name(), 0L)))))
        .then();
  }

  @Override
  public void close() {
    running.dispose();
  }
}
