package io.gpki.sync;

import java.time.LocalDate;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Durable repository access totals (the SLA report's record). */
public interface AccessTotals {

  /** Adds the deltas to the stored totals in one transaction. */
  Mono<Void> add(List<AccessCount> deltas);

  /** The stored totals of the days in {@code [from, to]} (either bound open when {@code null}). */
  Flux<AccessCount> between(@Nullable LocalDate from, @Nullable LocalDate to);
}
