package io.gpki.sync.failover;

import io.gpki.sync.DemotionToken;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The two sides of a switchover for {@link CenterState}: {@link CenterState#demote} at the master,
 * {@link CenterState#takeOver} at the target (docs/dr.md, "Failback").
 */
final class Switchover {

  private static final Logger LOG = LoggerFactory.getLogger(Switchover.class);

  private final CenterState center;
  private final DatabaseClient sql;
  private final TransactionalOperator tx;
  private final Clock clock;

  Switchover(CenterState center, DatabaseClient sql, TransactionalOperator tx, Clock clock) {
    this.center = center;
    this.sql = sql;
    this.tx = tx;
    this.clock = clock;
  }

  Mono<DemotionToken> demote(
      String target, String approvalId, String requestedBy, String approvedBy) {
    return Mono.defer(
        () -> {
          CenterView now = center.view();
          if (requestedBy.equals(approvedBy)) {
            return Mono.error(new FailoverException("a switchover needs two different operators"));
          }
          if (target.equals(now.centerId())) {
            return Mono.error(new FailoverException("a center does not hand over to itself"));
          }
          String reason =
              "handing over to " + target + " (switchover " + approvalId + "): writes stopped";
          boolean retry = now.role() == CenterRole.FENCED && reason.equals(now.fencedReason());
          if (now.role() != CenterRole.MASTER && !retry) {
            return Demotion.latest(sql)
                .filter(t -> t.approvalId().equals(approvalId) && t.epoch() == now.epoch())
                .switchIfEmpty(
                    Mono.error(
                        () ->
                            new FailoverException(
                                "center "
                                    + now.centerId()
                                    + " is "
                                    + now.role()
                                    + " at epoch "
                                    + now.epoch()
                                    + "; only the MASTER hands over")));
          }
          center.fenceHere(true);
          center.install(
              now,
              new CenterView(
                  now.centerId(), CenterRole.FENCED, now.epoch(), reason, clock.instant()));
          LOG.warn("center {} stops signing: {}", now.centerId(), reason);
          return new Demotion(sql, tx, clock)
              .persist(now.centerId(), now.epoch(), target, approvalId, requestedBy, approvedBy)
              .flatMap(t -> center.reread(true).thenReturn(t))
              .doOnNext(t -> LOG.warn("center {} is a BACKUP: {}", t.fromCenter(), t.summary()));
        });
  }

  Mono<EpochRecord> takeOver(DemotionToken token) {
    return Mono.defer(
        () -> {
          if (!token.toCenter().equals(center.centerId())) {
            return Mono.error(
                new FailoverException(
                    "the demotion token names " + token.toCenter() + ", not " + center.centerId()));
          }
          if (center.role() == CenterRole.MASTER) {
            return center
                .history()
                .filter(
                    e ->
                        e.epoch() == token.epoch() + 1
                            && e.epoch() == center.epoch()
                            && e.kind().equals("SWITCHOVER")
                            && Long.valueOf(token.lastSeq()).equals(e.prevLastSeq()))
                .next()
                .switchIfEmpty(
                    Mono.error(
                        () ->
                            new FailoverException(
                                "center "
                                    + center.centerId()
                                    + " is MASTER at epoch "
                                    + center.epoch()
                                    + "; this token did not promote it")));
          }
          return new Promotion(sql, tx, clock)
              .persist(
                  center.centerId(),
                  "SWITCHOVER",
                  token.requestedBy(),
                  token.approvedBy(),
                  "switchover from "
                      + token.fromCenter()
                      + " (approval "
                      + token.approvalId()
                      + ")",
                  token)
              .flatMap(e -> center.reread(false).thenReturn(e))
              .doOnNext(
                  e ->
                      LOG.warn(
                          "center {} promoted to MASTER at epoch {} by switchover: {}",
                          e.centerId(),
                          e.epoch(),
                          token.summary()));
        });
  }
}
