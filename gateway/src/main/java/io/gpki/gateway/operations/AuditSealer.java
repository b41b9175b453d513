package io.gpki.gateway.operations;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.signer.CaSigner;
import io.gpki.signer.KeySpec;
import io.gpki.sync.AuditChain;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import io.gpki.sync.AuditSeal;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.ChangeLogReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Keeps the audit log complete and sealed: records every CRL/ARL the repository issued (followed
 * from the change log, so nothing in the CA code has to remember to), then signs the chain head
 * with the dedicated audit key through the signer, whenever the head moved.
 */
public final class AuditSealer {

  private static final Logger LOG = LoggerFactory.getLogger(AuditSealer.class);
  static final String CRL_TYPE = "CRL_ISSUED";

  private final AuditLog audit;
  private static final int LOG_PAGE = 1000;
  private final ChangeLogReader changeLog;
  private final CaSigner signer;
  private final String keyId;
  private final String keySource;
  private final Clock clock;

  public AuditSealer(
      AuditLog audit,
      ChangeLogReader changeLog,
      CaSigner signer,
      String keyId,
      String keySource,
      Clock clock) {
    this.audit = audit;
    this.changeLog = changeLog;
    this.signer = signer;
    this.keyId = keyId;
    this.keySource = keySource;
    this.clock = clock;
  }

  /** Starts the periodic follow-and-seal. */
  public Disposable start(Duration interval) {
    return BackgroundLoop.start(
        "audit seal", ensureKey().thenMany(BackgroundLoop.every(interval)), this::tick);
  }

  /** One round: audit new CRLs, then seal if the head moved. */
  public Mono<AuditSeal> tick() {
    return followCrls().then(sealIfMoved());
  }

  private Mono<Void> ensureKey() {
    return signer
        .hasKey(keyId)
        .flatMap(
            has ->
                has
                    ? Mono.empty()
                    : signer
                        .generateKey(keySource, keyId, KeySpec.RSA_2048)
                        .doOnNext(
                            k ->
                                LOG.info(
                                    "generated the audit key {} in key source {}",
                                    keyId,
                                    keySource)))
        .then();
  }

  Mono<Void> followCrls() {
    return audit
        .lastOfType(CRL_TYPE)
        .map(r -> Long.parseLong(r.event().detail().replaceAll(".*changeLogSeq=(\\d+).*", "$1")))
        .defaultIfEmpty(0L)
        // Page through everything after it: the log also carries journal, audit and outbox entries
        // (replication), so more than a page may lie between two CRLs.
        .flatMapMany(
            after ->
                changeLog
                    .after(after, LOG_PAGE)
                    .collectList()
                    .expand(
                        page ->
                            page.size() < LOG_PAGE
                                ? Mono.empty()
                                : changeLog
                                    .after(page.get(page.size() - 1).seq(), LOG_PAGE)
                                    .collectList())
                    .flatMapIterable(page -> page))
        .filter(e -> e.entity().equals("CRL"))
        .concatMap(this::recordCrl)
        .then();
  }

  private Mono<Void> recordCrl(ChangeLogEntry e) {
    return audit
        .append(
            new AuditEvent(
                CRL_TYPE,
                "repository",
                "system",
                e.entityKey(),
                "ISSUED",
                "signed and archived; changeLogSeq=" + e.seq()))
        .then();
  }

  Mono<AuditSeal> sealIfMoved() {
    return audit
        .head()
        .zipWith(audit.latestSeal().map(AuditSeal::seq).defaultIfEmpty(0L))
        .filter(t -> t.getT1().seq() > t.getT2())
        .flatMap(
            t -> {
              Instant at = AuditChain.stored(clock.instant());
              long seq = t.getT1().seq();
              byte[] hash = t.getT1().hash();
              String alg = KeySpec.RSA_2048.signatureAlgorithm();
              return Mono.zip(
                      signer.publicKey(keyId),
                      signer.sign(keyId, alg, AuditChain.sealedBytes(seq, hash, at)))
                  .flatMap(
                      s ->
                          audit.seal(
                              new AuditSeal(
                                  seq, at, hash, keyId, alg, s.getT1().getEncoded(), s.getT2())));
            });
  }
}
