package io.gpki.sync;

import java.math.BigInteger;
import reactor.core.publisher.Mono;

/** The CRL/ARL archive. Lists are appended, never overwritten. */
public interface CrlStore {

  /**
   * Archives a newly issued list. Errors with {@link StoreException.Conflict} unless its number is
   * greater than every number issued before for the same CA and scope.
   */
  Mono<CrlRecord> archive(CrlRecord crl);

  /** The list with the highest number for the CA and scope, or empty. */
  Mono<CrlRecord> latest(String caId, String scope);

  /** One archived list by number, or empty. */
  Mono<CrlRecord> byNumber(String caId, String scope, BigInteger number);
}
