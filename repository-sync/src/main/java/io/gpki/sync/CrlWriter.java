package io.gpki.sync;

import reactor.core.publisher.Mono;

/** Write port: archives issued CRLs/ARLs. Lists are appended, never overwritten. */
public interface CrlWriter {

  /**
   * Archives a newly issued list. Errors with {@link StoreException.Conflict} unless its number is
   * greater than every number issued before for the same CA and scope.
   */
  Mono<CrlRecord> archive(CrlRecord crl);
}
