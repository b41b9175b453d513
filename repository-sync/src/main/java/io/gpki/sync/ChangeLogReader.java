package io.gpki.sync;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reads the ordered change log (for snapshot refresh and replication). */
public interface ChangeLogReader {

  /** The sequence number of the newest entry, 0 when the log is empty. */
  Mono<Long> head();

  /** Entries with {@code seq > afterSeq}, in order, at most {@code limit}. */
  Flux<ChangeLogEntry> after(long afterSeq, int limit);
}
