package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Loads what the repository publishes, for the gateway's in-memory snapshot. */
public interface RepositoryContentSource {

  /** Everything the read path serves from memory, as of one change-log position. */
  Mono<RepositoryContent> load();
}
