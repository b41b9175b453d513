package io.gpki.gateway.operations;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.signer.CaSigner;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CrlLookup;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.EpochRecord;
import io.gpki.sync.failover.FailoverException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Promotes a BACKUP center to MASTER, in this order (docs/dr.md):
 *
 * <ol>
 *   <li>persist the new epoch (center state and epoch history with the fork point) before any
 *       signature;
 *   <li>reissue and publish every CRL and ARL of every CA whose key this center holds, each checked
 *       against the last replicated list before it is archived;
 *   <li>refresh the OCSP answers (one pre-signing round);
 *   <li>open the writer gate: the journal worker resumes from the replicated ACCEPTED rows, then
 *       new issuance, the CRL schedule and the outbox follow.
 * </ol>
 *
 * The writer gate stays closed from step 1 to step 4, so nothing but these steps writes meanwhile.
 * Run again after a crash (the approval stays PENDING), it skips step 1 when this center already
 * holds the promoted epoch and repeats steps 2 to 4 (new lists with higher numbers; nothing is
 * lost).
 */
public final class DrPromotion {

  private static final Logger LOG = LoggerFactory.getLogger(DrPromotion.class);

  private final CenterState center;
  private final CaLookup cas;
  private final CrlLookup crlLookup;
  private final CaSigner signer;
  private final CrlPublisher crls;
  private final WriterGate gate;
  private final Supplier<Mono<Void>> ocspRefresh;

  /**
   * @param ocspRefresh runs one OCSP pre-signing round
   */
  public DrPromotion(
      CenterState center,
      CaLookup cas,
      CrlLookup crlLookup,
      CaSigner signer,
      CrlPublisher crls,
      WriterGate gate,
      Supplier<Mono<Void>> ocspRefresh) {
    this.center = center;
    this.cas = cas;
    this.crlLookup = crlLookup;
    this.signer = signer;
    this.crls = crls;
    this.gate = gate;
    this.ocspRefresh = ocspRefresh;
  }

  /** What a promotion did. */
  public record Result(EpochRecord epoch, List<CrlRecord> lists) {
    /** A one-line summary for the approval's result and the audit log. */
    public String summary() {
      return "center "
          + epoch.centerId()
          + " is MASTER at epoch "
          + epoch.epoch()
          + " (fork after seq "
          + epoch.prevLastSeq()
          + "); republished "
          + lists.size()
          + " CRL/ARL(s)";
    }
  }

  /**
   * Fails over to this center.
   *
   * @param requestedBy the DR operator who requested it
   * @param approvedBy the other DR operator who approved it
   * @param reason the reason and the attestation that the master is withdrawn
   */
  public Mono<Result> failover(String requestedBy, String approvedBy, String reason) {
    return promote(() -> epoch(requestedBy, approvedBy, reason));
  }

  /**
   * Switchover (failback) at the target: step 1 is the promotion with the old master's demotion
   * token ({@link CenterState#takeOver}: applied exactly up to its seq, same chain hash, epoch +
   * 1), then steps 2 to 4 as for a failover. Run again with the same token after a crash, it skips
   * step 1 and repeats the others.
   */
  public Mono<Result> switchover(io.gpki.sync.DemotionToken token) {
    return promote(() -> center.takeOver(token));
  }

  private Mono<Result> promote(Supplier<Mono<EpochRecord>> step1) {
    return Mono.defer(
        () -> {
          gate.promoting(true);
          return step1
              .get()
              .flatMap(e -> republishAll().collectList().map(lists -> new Result(e, lists)))
              .flatMap(
                  r ->
                      ocspRefresh
                          .get()
                          .onErrorResume(
                              x -> {
                                LOG.warn(
                                    "OCSP refresh after the promotion failed; the pre-signer retries: {}",
                                    x.toString());
                                return Mono.empty();
                              })
                          .thenReturn(r))
              .doOnNext(r -> LOG.warn("promotion done: {}", r.summary()))
              .doFinally(s -> gate.promoting(false));
        });
  }

  /** Step 1, or the epoch a crashed earlier run of the same approval already persisted. */
  private Mono<EpochRecord> epoch(String requestedBy, String approvedBy, String reason) {
    if (center.role() == CenterRole.BACKUP) {
      return center.promote("FAILOVER", requestedBy, approvedBy, reason);
    }
    return center
        .history()
        .filter(
            e ->
                e.epoch() == center.epoch()
                    && e.kind().equals("FAILOVER")
                    && requestedBy.equals(e.requestedBy())
                    && approvedBy.equals(e.approvedBy())
                    && center.role() == CenterRole.MASTER)
        .next()
        .switchIfEmpty(
            Mono.error(
                () ->
                    new FailoverException(
                        "center "
                            + center.centerId()
                            + " is "
                            + center.role()
                            + " at epoch "
                            + center.epoch()
                            + " and this failover did not promote it")));
  }

  /**
   * Step 2: every list of every CA this center signs for, checked against the last replicated one.
   */
  private Flux<CrlRecord> republishAll() {
    AtomicInteger count = new AtomicInteger();
    return cas.cas()
        .concatMap(
            ca ->
                signer
                    .hasKey(CaEngine.keyId(ca.id(), ca.currentGeneration()))
                    .filter(Boolean::booleanValue)
                    .flatMapMany(
                        held ->
                            Flux.fromArray(CrlScope.values())
                                .concatMap(
                                    scope ->
                                        crlLookup
                                            .latest(ca.id(), scope.name())
                                            .map(java.util.Optional::of)
                                            .defaultIfEmpty(java.util.Optional.empty())
                                            .flatMap(
                                                last ->
                                                    crls.republish(
                                                        ca.id(), scope, last.orElse(null))))))
        .doOnNext(l -> count.incrementAndGet());
  }
}
