package io.gpki.sync;

import java.math.BigInteger;
import reactor.core.publisher.Mono;

/** Read port: the CRL/ARL archive. */
public interface CrlLookup {

  /** The list with the highest number for the CA and scope, or empty. */
  Mono<CrlRecord> latest(String caId, String scope);

  /** One archived list by number, or empty. */
  Mono<CrlRecord> byNumber(String caId, String scope, BigInteger number);
}
