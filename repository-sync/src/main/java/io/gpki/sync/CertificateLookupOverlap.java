package io.gpki.sync;

import reactor.core.publisher.Flux;

/**
 * Which lookup keys of the published certificates ({@link RepositoryContent}'s CA and labelled
 * certificates) an unlabelled end-entity certificate also has. For every other key of a published
 * certificate the published certificates are the whole answer, so a reader holding them needs no
 * search.
 */
public interface CertificateLookupOverlap {

  /**
   * The shared keys, as of now: read it after {@link RepositoryContentSource#load()} so that every
   * certificate the content includes, and any stored before it, is accounted for.
   */
  Flux<CertificateLookupKey> sharedWithUnlabelled();
}
