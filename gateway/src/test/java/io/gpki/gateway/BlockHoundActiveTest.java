package io.gpki.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Proves BlockHound is installed in this module's test JVM (its surefire and failsafe settings are
 * its own): a blocking call on a non-blocking thread fails, one on a blocking-capable thread does
 * not.
 */
class BlockHoundActiveTest {

  @Test
  void blockingCallOnParallelSchedulerIsReported() {
    Mono<Object> blocking =
        Mono.fromCallable(
                () -> {
                  Thread.sleep(1);
                  return (Object) "slept";
                })
            .subscribeOn(Schedulers.parallel());

    StepVerifier.create(blocking)
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(BlockingOperationError.class)
                    .hasMessageContaining("Thread.sleep"))
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void blockingCallOnBoundedElasticIsAllowed() {
    Mono<String> blocking =
        Mono.fromCallable(
                () -> {
                  Thread.sleep(1);
                  return "slept";
                })
            .subscribeOn(Schedulers.boundedElastic());

    StepVerifier.create(blocking)
        .expectNext("slept")
        .expectComplete()
        .verify(Duration.ofSeconds(30));
  }
}
