package io.gpki.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.EmbeddedDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Issue 16 (2): the watchdog restarts a dead embedded server, backing off while starts fail. */
class EmbeddedDatabaseWatchdogTest {

  /**
   * A fake server whose {@code ensureRunning} answers follow a script: true, false, or a failure.
   */
  static final class ScriptedDatabase implements EmbeddedDatabase {
    final Deque<Object> script = new ArrayDeque<>();
    int calls;

    @Override
    public DatabaseCoordinates coordinates() {
      return new DatabaseCoordinates("127.0.0.1", 1, "gpki", "postgres", null);
    }

    @Override
    public boolean ensureRunning() {
      calls++;
      Object next = script.isEmpty() ? (Object) false : script.poll();
      if (next instanceof RuntimeException e) {
        throw e;
      }
      return (Boolean) next;
    }

    @Override
    public void close() {}
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ScriptedDatabase db = new ScriptedDatabase();
  private final EmbeddedDatabaseWatchdog watchdog =
      new EmbeddedDatabaseWatchdog(db, meters, now::get);

  private double count(String outcome) {
    return meters.get("gpki.db.embedded.restarts").tag("outcome", outcome).counter().count();
  }

  @Test
  void aRunningServerIsLeftAlone() {
    watchdog.check();
    assertThat(db.calls).isEqualTo(1);
    assertThat(count("restarted")).isZero();
  }

  @Test
  void aDeadServerIsStartedAgainAndCounted() {
    db.script.add(true);
    watchdog.check();
    assertThat(count("restarted")).isEqualTo(1);
  }

  @Test
  void failedStartsBackOffThenRecover() {
    db.script.add(new IllegalStateException("port in use"));
    db.script.add(new IllegalStateException("port in use"));
    db.script.add(true);
    watchdog.check(); // fails: next try after 5 s
    assertThat(db.calls).isEqualTo(1);
    now.addAndGet(Duration.ofSeconds(4).toNanos());
    watchdog.check();
    assertThat(db.calls).as("still backing off").isEqualTo(1);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    watchdog.check(); // fails again: next try after 10 s
    assertThat(db.calls).isEqualTo(2);
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    watchdog.check();
    assertThat(db.calls).isEqualTo(2);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    watchdog.check();
    assertThat(db.calls).isEqualTo(3);
    assertThat(count("failed")).isEqualTo(2);
    assertThat(count("restarted")).isEqualTo(1);
    watchdog.check();
    assertThat(db.calls).as("back to every check").isEqualTo(4);
  }

  @Test
  void theBackoffDoublesUpToFiveMinutes() {
    assertThat(EmbeddedDatabaseWatchdog.backoff(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(EmbeddedDatabaseWatchdog.backoff(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(EmbeddedDatabaseWatchdog.backoff(4)).isEqualTo(Duration.ofSeconds(40));
    assertThat(EmbeddedDatabaseWatchdog.backoff(7)).isEqualTo(Duration.ofMinutes(5));
    assertThat(EmbeddedDatabaseWatchdog.backoff(100)).isEqualTo(Duration.ofMinutes(5));
  }
}
