package io.gpki.gateway.ocsp;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.reactor.bulkhead.operator.BulkheadOperator;
import io.gpki.signer.OcspResponseTemplate;
import io.gpki.signer.SignerException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Last stage: signs an answer for this request (cache misses and nonce requests) within a fixed
 * budget: a bulkhead {@code ocsp-live-signer} that never queues and a timeout. Over budget, or when
 * the signer is saturated or down, the answer is {@code tryLater}.
 */
final class LiveSigner implements StatusSource {

  private static final Logger LOG = LoggerFactory.getLogger(LiveSigner.class);

  private final ResponseSigner signer;
  private final Clock clock;
  private final Duration validity;
  private final Duration timeout;
  private final Bulkhead budget;

  LiveSigner(
      ResponseSigner signer, Clock clock, Duration validity, Duration timeout, Bulkhead budget) {
    this.signer = signer;
    this.clock = clock;
    this.validity = validity;
    this.timeout = timeout;
    this.budget = budget;
  }

  @Override
  public Mono<OcspResult> answer(OcspQuery query) {
    if (query.states().size() != query.targets().size() || query.targets().isEmpty()) {
      return Mono.just(new OcspResult.Refused(OcspStatus.INTERNAL_ERROR, "no states to sign"));
    }
    return Mono.defer(
            () -> {
              Instant now = clock.instant();
              Instant next = now.plus(validity);
              List<OcspResponseTemplate.Single> singles = new ArrayList<>();
              for (int i = 0; i < query.targets().size(); i++) {
                singles.add(
                    ResponseSigner.single(
                        query.targets().get(i).certId(), query.states().get(i), now, next));
              }
              Responder responder = query.targets().get(0).issuer().responder();
              return signer.sign(responder, singles, query.nonce(), now);
            })
        .timeout(timeout)
        .transformDeferred(BulkheadOperator.of(budget))
        .<OcspResult>map(r -> new OcspResult.Answered(r, OcspResult.Origin.LIVE))
        .onErrorResume(e -> Mono.just(refusal(e)));
  }

  /** Saturation and unavailability are temporary ({@code tryLater}); anything else is internal. */
  static OcspResult.Refused refusal(Throwable e) {
    if (e instanceof BulkheadFullException) {
      return new OcspResult.Refused(OcspStatus.TRY_LATER, "live signing budget exhausted");
    }
    if (e instanceof TimeoutException) {
      return new OcspResult.Refused(OcspStatus.TRY_LATER, "live signing timed out");
    }
    if (e instanceof SignerException se
        && se.kind() != SignerException.Kind.REJECTED
        && se.kind() != SignerException.Kind.UNKNOWN_KEY) {
      return new OcspResult.Refused(OcspStatus.TRY_LATER, "signer " + se.kind());
    }
    LOG.warn("ocsp live signing failed", e);
    return new OcspResult.Refused(OcspStatus.INTERNAL_ERROR, "signing failed");
  }
}
