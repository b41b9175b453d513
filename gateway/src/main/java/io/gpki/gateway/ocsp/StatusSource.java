package io.gpki.gateway.ocsp;

import reactor.core.publisher.Mono;

/**
 * One stage of the OCSP answer chain: request filter, pre-signed cache, repository, live signer. A
 * stage answers what it can and hands the rest to the next one. Stages never see HTTP; they never
 * answer {@code good} when they cannot tell (revocation fails closed: {@code unknown} or {@code
 * tryLater}).
 */
public interface StatusSource {

  /**
   * Answers a query, or hands it to the next stage.
   *
   * @return the answer; errors are mapped to OCSP statuses by the HTTP handler
   */
  Mono<OcspResult> answer(OcspQuery query);
}
