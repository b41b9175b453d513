package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.AuditEvent;
import io.gpki.sync.ExpiringCertificate;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The dispatcher's retry logic against hand-written fakes of the outbox, the sender and the clock.
 */
class OutboxDispatcherTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final RetrySchedule SCHEDULE =
      new RetrySchedule(Duration.ofSeconds(10), 2.0, Duration.ofMinutes(5), Duration.ofHours(1));

  private final MutableClock clock = new MutableClock(T0);
  private final FakeOutbox outbox = new FakeOutbox();
  private final FakeSender sender = new FakeSender();
  private final OutboxDispatcher dispatcher =
      new OutboxDispatcher(
          outbox,
          OutboxEvent.Channel.WEBHOOK,
          sender,
          SCHEDULE,
          clock,
          10,
          new SimpleMeterRegistry());

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "retry after 10s/first failure,        1, 0,    10",
    "retry after 40s/third failure,        3, 0,    40",
    "retry after 5m/capped at the maximum, 9, 0,    300",
    "dead/next attempt past the max age,   4, 3590, -1",
  })
  void theScheduleRetriesWithExponentialBackoffThenGivesUp(
      String outcome, int attempts, long ageSeconds, long waitSeconds) {
    OutboxEvent e = event("e1", "lra-a", 1);
    RetrySchedule.Decision d = SCHEDULE.afterFailure(e, attempts, T0.plusSeconds(ageSeconds));
    if (waitSeconds < 0) {
      assertThat(d).isEqualTo(new RetrySchedule.GiveUp(attempts));
    } else {
      assertThat(d)
          .isEqualTo(new RetrySchedule.Retry(attempts, T0.plusSeconds(ageSeconds + waitSeconds)));
    }
  }

  @Test
  void aFailingReceiverIsRetriedAtThePersistedTimesThenGetsTheEventOnce() {
    outbox.add(event("e1", "lra-a", 1));
    sender.failFirst = 3;
    long[] waits = {10, 20, 40};
    for (long w : waits) {
      StepVerifier.create(dispatcher.round()).expectNext(0).expectComplete().verify(WAIT);
      StepVerifier.create(dispatcher.round())
          .expectNext(0)
          .as("not due yet")
          .expectComplete()
          .verify(WAIT);
      clock.advance(Duration.ofSeconds(w));
    }
    StepVerifier.create(dispatcher.round()).expectNext(1).expectComplete().verify(WAIT);
    OutboxEvent done = outbox.events.get("e1");
    assertThat(done.state()).isEqualTo(OutboxEvent.State.DELIVERED);
    assertThat(done.attempts()).isEqualTo(4);
    assertThat(sender.attempts).containsExactly("e1#1", "e1#2", "e1#3", "e1#4");
    StepVerifier.create(dispatcher.round()).expectNext(0).expectComplete().verify(WAIT);
    assertThat(sender.delivered).containsExactly("e1");
  }

  @Test
  void anLrasLaterEventWaitsUntilTheEarlierOneIsDeliveredWhileOtherLrasProceed() {
    outbox.add(event("a1", "lra-a", 1));
    outbox.add(event("a2", "lra-a", 2));
    outbox.add(event("b1", "lra-b", 3));
    sender.failing.add("a1");
    StepVerifier.create(dispatcher.drain()).expectComplete().verify(WAIT);
    assertThat(sender.delivered).containsExactly("b1");
    sender.failing.clear();
    clock.advance(Duration.ofSeconds(10));
    StepVerifier.create(dispatcher.drain()).expectComplete().verify(WAIT);
    assertThat(sender.delivered).containsExactly("b1", "a1", "a2");
  }

  @Test
  void anEventStillFailingAfterTheMaxAgeIsDead() {
    outbox.add(event("e1", "lra-a", 1));
    sender.failing.add("e1");
    for (int i = 0; i < 30 && outbox.events.get("e1").state() == OutboxEvent.State.PENDING; i++) {
      StepVerifier.create(dispatcher.round()).expectNext(0).expectComplete().verify(WAIT);
      clock.advance(Duration.ofMinutes(5));
    }
    OutboxEvent dead = outbox.events.get("e1");
    assertThat(dead.state()).isEqualTo(OutboxEvent.State.DEAD);
    assertThat(dead.lastError()).contains("refused by the fake");
    // One attempt per 5 minutes; the 13th (at 60 min) would next be tried after the one-hour max
    // age.
    assertThat(dead.attempts()).isEqualTo(13);
  }

  @Test
  void anUndeliverableEventIsGivenUpAtOnce() {
    outbox.add(event("e1", "lra-a", 1));
    sender.undeliverable.add("e1");
    StepVerifier.create(dispatcher.round()).expectNext(0).expectComplete().verify(WAIT);
    assertThat(outbox.events.get("e1").state()).isEqualTo(OutboxEvent.State.UNDELIVERABLE);
    assertThat(outbox.events.get("e1").attempts()).isEqualTo(1);
  }

  private static OutboxEvent event(String id, String lra, long seq) {
    OutboxEvent e =
        OutboxEvent.pending(id, OutboxEvent.Channel.WEBHOOK, lra, "issued", null, null, "{}", T0);
    return with(e, seq, e.state(), 0, T0, null, null);
  }

  static OutboxEvent with(
      OutboxEvent e,
      long seq,
      OutboxEvent.State state,
      int attempts,
      Instant next,
      @Nullable Instant delivered,
      @Nullable String error) {
    return new OutboxEvent(
        e.id(),
        seq,
        e.channel(),
        e.lraId(),
        e.type(),
        e.recipient(),
        e.dedupeKey(),
        e.payload(),
        state,
        attempts,
        next,
        e.createdAt(),
        delivered,
        error);
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  /**
   * Records attempts; fails the first {@code failFirst} attempts and every attempt of {@code
   * failing}.
   */
  static final class FakeSender implements NotificationSender {
    int failFirst;
    final List<String> failing = new ArrayList<>();
    final List<String> undeliverable = new ArrayList<>();
    final List<String> attempts = new ArrayList<>();
    final List<String> delivered = new ArrayList<>();

    @Override
    public Mono<Void> send(OutboxEvent e, int attempt) {
      return Mono.defer(
          () -> {
            attempts.add(e.id() + "#" + attempt);
            if (undeliverable.contains(e.id())) {
              return Mono.error(new Undeliverable("no URL"));
            }
            if (failing.contains(e.id()) || attempts.size() <= failFirst) {
              return Mono.error(new IllegalStateException("refused by the fake"));
            }
            delivered.add(e.id());
            return Mono.empty();
          });
    }
  }

  /** The outbox in a map, with the store's head-of-line rule for webhooks. */
  static class FakeOutbox implements NotificationOutbox {
    final Map<String, OutboxEvent> events = new LinkedHashMap<>();

    void add(OutboxEvent e) {
      events.put(e.id(), e);
    }

    @Override
    public Flux<OutboxEvent> dueWebhooks(Instant now, int limit) {
      List<OutboxEvent> heads =
          events.values().stream()
              .filter(e -> e.state() == OutboxEvent.State.PENDING)
              .collect(Collectors.groupingBy(OutboxEvent::lraId))
              .values()
              .stream()
              .map(l -> l.stream().min(Comparator.comparingLong(OutboxEvent::seq)).orElseThrow())
              .filter(e -> !e.nextAttemptAt().isAfter(now))
              .sorted(Comparator.comparingLong(OutboxEvent::seq))
              .limit(limit)
              .toList();
      return Flux.fromIterable(heads);
    }

    @Override
    public Flux<OutboxEvent> dueMails(Instant now, int limit) {
      return Flux.empty();
    }

    @Override
    public Mono<Void> delivered(String id, int attempts, Instant at) {
      return Mono.fromRunnable(
          () ->
              events.computeIfPresent(
                  id,
                  (k, e) ->
                      with(
                          e,
                          e.seq(),
                          OutboxEvent.State.DELIVERED,
                          attempts,
                          e.nextAttemptAt(),
                          at,
                          null)));
    }

    @Override
    public Mono<Void> retryLater(String id, int attempts, Instant next, String error) {
      return Mono.fromRunnable(
          () ->
              events.computeIfPresent(
                  id, (k, e) -> with(e, e.seq(), e.state(), attempts, next, null, error)));
    }

    @Override
    public Mono<Void> giveUp(String id, int attempts, OutboxEvent.State state, String error) {
      return Mono.fromRunnable(
          () ->
              events.computeIfPresent(
                  id, (k, e) -> with(e, e.seq(), state, attempts, e.nextAttemptAt(), null, error)));
    }

    @Override
    public Mono<LraNotificationSettings> saveSettings(LraNotificationSettings s, AuditEvent audit) {
      return Mono.just(s);
    }

    @Override
    public Mono<LraNotificationSettings> settings(String lraId) {
      return Mono.empty();
    }

    @Override
    public Mono<Integer> enqueue(List<OutboxEvent> list) {
      list.forEach(this::add);
      return Mono.just(list.size());
    }

    @Override
    public Mono<OutboxEvent> event(String id) {
      return Mono.justOrEmpty(events.get(id));
    }

    @Override
    public Flux<OutboxEvent> events(String lraId, OutboxEvent.@Nullable State state, int limit) {
      return Flux.fromIterable(events.values());
    }

    @Override
    public Mono<Map<String, Long>> counts() {
      return Mono.just(Map.of());
    }

    @Override
    public Flux<ExpiringCertificate> expiringWithout(
        Instant now, Instant until, String prefix, int limit) {
      return Flux.empty();
    }
  }
}
