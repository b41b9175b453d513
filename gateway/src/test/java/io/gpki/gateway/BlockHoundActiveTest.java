package io.gpki.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;
import reactor.test.StepVerifier;

/**
 * Proves BlockHound guards the gateway's own hazard in this module's test JVM: a blocking call on a
 * Reactor Netty event loop (where HTTP handlers, the fast path and R2DBC callbacks run) is
 * reported, while the same call on a bounded blocking scheduler (how keystore, PKCS#11 and JDBC
 * work runs) is not.
 */
class BlockHoundActiveTest {

  private static Mono<String> sleepOn(Scheduler scheduler) {
    return Mono.fromCallable(
            () -> {
              Thread.sleep(1);
              return "slept";
            })
        .subscribeOn(scheduler);
  }

  @Test
  void blockingOnANettyEventLoopIsReported() {
    LoopResources loops = LoopResources.create("blockhound-test", 1, true);
    try {
      EventLoopGroup group = loops.onServer(true);
      StepVerifier.create(sleepOn(Schedulers.fromExecutor(group.next())))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOf(BlockingOperationError.class)
                      .hasMessageContaining("Thread.sleep"))
          .verify(Duration.ofSeconds(10));
    } finally {
      loops.disposeLater().block(Duration.ofSeconds(10));
    }
  }

  @Test
  void blockingOnABoundedBlockingSchedulerIsAllowed() {
    Scheduler blocking = Schedulers.newBoundedElastic(1, 10, "blockhound-test-blocking");
    try {
      StepVerifier.create(sleepOn(blocking))
          .expectNext("slept")
          .expectComplete()
          .verify(Duration.ofSeconds(10));
    } finally {
      blocking.dispose();
    }
  }
}
