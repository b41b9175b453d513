package io.gpki.sync;

import java.time.LocalDate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Durable repository access totals (the SLA report's record). Each gateway process is an
 * <em>instance</em> that writes its running totals since it started; the totals of a day are the
 * sum over instances.
 */
public interface AccessTotals {

  /**
   * Records the instance's running totals (absolute values since it started) in one statement. A
   * value lower than the stored one is ignored, so repeated or reordered writes are harmless.
   */
  Mono<Void> put(String instance, List<AccessCount> runningTotals);

  /**
   * The totals of the days in {@code [from, to]} (either bound open when {@code null}), summed over
   * every instance except {@code excludedInstance} (the caller adds its own from memory).
   */
  Flux<AccessCount> between(
      @Nullable LocalDate from, @Nullable LocalDate to, String excludedInstance);
}
