package io.gpki.gateway.ca;

import io.gpki.signer.CrlScope;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * In-process signals about repository changes: "something changed" (the read path refreshes its
 * snapshot at once instead of at its next poll) and "a revocation needs a new list".
 */
public final class RepositoryChanges {

  /** A list that must be reissued because of a revocation. */
  public record ListRequest(String caId, CrlScope scope) {}

  private final PublicationDelay publicationDelay;
  private final Sinks.Many<Boolean> changed = Sinks.many().multicast().directBestEffort();
  private final Sinks.Many<ListRequest> lists =
      Sinks.many().multicast().onBackpressureBuffer(4096, false);

  /** Signals without the publication metric's registry (tests). */
  public RepositoryChanges() {
    this.publicationDelay = new PublicationDelay();
  }

  /** Signals; the time from a revocation's acceptance to its list goes to {@code meters}. */
  public RepositoryChanges(io.micrometer.core.instrument.MeterRegistry meters) {
    this.publicationDelay = new PublicationDelay(meters);
  }

  /** The revocation-to-publication metric, for the CA engine and the CRL publisher. */
  PublicationDelay publicationDelay() {
    return publicationDelay;
  }

  /** Signals that the repository changed. Never blocks, never fails. */
  public void changed() {
    changed.tryEmitNext(Boolean.TRUE);
  }

  /** Signals that a list must be reissued. */
  public void listNeeded(String caId, CrlScope scope) {
    lists.tryEmitNext(new ListRequest(caId, scope));
  }

  /** Change signals. */
  public Flux<Boolean> changes() {
    return changed.asFlux();
  }

  /** List requests. */
  public Flux<ListRequest> listRequests() {
    return lists.asFlux();
  }
}
