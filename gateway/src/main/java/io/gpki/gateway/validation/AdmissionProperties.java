package io.gpki.gateway.validation;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Admission of validation requests under {@code gpki.validation.admission.*} (every variant: JSON,
 * DER, batch, fast path): at most {@code maxConcurrent} in progress, at most {@code maxQueue}
 * waiting (each at most {@code queueTimeout}); beyond that the answer is 503 with Retry-After and a
 * problem body at once. The engine's CPU work runs on {@code threads} workers (thread name prefix
 * {@code validation-}), not on the event loops that serve the repository and OCSP. Unset sizes
 * follow the machine's processor count.
 *
 * @param threads validation workers; unset: one per available processor
 * @param maxConcurrent validations in progress (CPU work queued or running, or waiting for a
 *     fetch); unset: 16 per worker
 * @param maxQueue requests waiting for a slot; unset: 16 per worker; 0: none wait
 * @param queueTimeout longest wait for a slot, and from arrival to the start of the work on a
 *     worker, before 503
 */
@Validated
@ConfigurationProperties("gpki.validation.admission")
public record AdmissionProperties(
    @Nullable @Min(1) @Max(256) Integer threads,
    @Nullable @Min(1) Integer maxConcurrent,
    @Nullable @Min(0) Integer maxQueue,
    @DefaultValue("500ms") Duration queueTimeout) {

  /** Slots per worker when a size is unset. */
  static final int PER_WORKER = 16;

  /** Workers to run. */
  public int workers() {
    return threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** Validations in progress at most. */
  public int concurrent() {
    return maxConcurrent != null ? maxConcurrent : PER_WORKER * workers();
  }

  /** Requests waiting at most. */
  public int queue() {
    return maxQueue != null ? maxQueue : PER_WORKER * workers();
  }
}
