package io.gpki.gateway.ca;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.signer.CaSigner;
import io.gpki.signer.CrlEntries;
import io.gpki.signer.CrlScope;
import io.gpki.signer.CrlTemplate;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CrlLookup;
import io.gpki.sync.CrlNumbers;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrlWriter;
import io.gpki.sync.RevokedEntry;
import io.gpki.sync.StoreException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * Issues CRLs and ARLs: on a fixed schedule even when nothing changed, and soon after a revocation.
 * Numbers are epoch-major ({@code epoch * 2^64 + t}, see {@link io.gpki.sync.CrlNumbers}), reserved
 * in the store before signing and strictly increasing per CA and scope (the store refuses anything
 * else); every list issued is archived and never overwritten.
 */
public final class CrlPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(CrlPublisher.class);

  private final CaEngine engine;
  private final CaSigner signer;
  private final PkiObjectBuilder builder;
  private final CaLookup cas;
  private final CertificateLookup certificates;
  private final CrlLookup crls;
  private final CrlWriter crlWriter;
  private final CrlNumbers crlNumbers;
  private final RepositoryUrls urls;
  private final Clock clock;
  private final RepositoryChanges changes;
  private final Duration period;
  private final Duration validity;
  private final LongSupplier epoch;

  /**
   * @param epoch this center's current epoch (the high part of every CRL number)
   */
  public CrlPublisher(
      CaEngine engine,
      CaSigner signer,
      CaLookup cas,
      CertificateLookup certificates,
      CrlLookup crls,
      CrlWriter crlWriter,
      CrlNumbers crlNumbers,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes,
      Duration period,
      Duration validity,
      LongSupplier epoch) {
    this.epoch = epoch;
    this.engine = engine;
    this.signer = signer;
    this.builder = new PkiObjectBuilder(signer);
    this.cas = cas;
    this.certificates = certificates;
    this.crls = crls;
    this.crlWriter = crlWriter;
    this.crlNumbers = crlNumbers;
    this.urls = urls;
    this.clock = clock;
    this.changes = changes;
    this.period = period;
    this.validity = validity;
  }

  /** Issues the next list of a CA for a scope, signed by the CA's current key. */
  public Mono<CrlRecord> publish(String caId, CrlScope scope) {
    return Mono.defer(() -> publishOnce(caId, scope))
        .retryWhen(Retry.max(2).filter(e -> e instanceof StoreException.Conflict))
        .doOnSuccess(
            crl -> {
              LOG.info(
                  "issued {} {} number={} entries={} nextUpdate={}",
                  caId,
                  scope,
                  crl.number(),
                  crl.entryCount(),
                  crl.nextUpdate());
              changes.changed();
            });
  }

  private Mono<CrlRecord> publishOnce(String caId, CrlScope scope) {
    return publishOnce(caId, scope, null);
  }

  /**
   * Reissues a list at a promotion, checked against the last list replicated from the former master
   * before it is archived (and so before anyone can fetch it): a higher number, the same issuing
   * distribution point, no unexpired entry dropped, a nextUpdate not earlier. Errors with {@link
   * IllegalStateException} naming the failed check; nothing is archived then.
   *
   * @param last the last list of this CA and scope at this center, or null when there is none
   */
  public Mono<CrlRecord> republish(String caId, CrlScope scope, @Nullable CrlRecord last) {
    return publishOnce(caId, scope, last)
        .doOnSuccess(
            crl -> {
              LOG.info(
                  "republished {} {} number={} (replicated last: {})",
                  caId,
                  scope,
                  crl.number(),
                  last == null ? "none" : last.number());
              changes.changed();
            });
  }

  private Mono<CrlRecord> publishOnce(String caId, CrlScope scope, @Nullable CrlRecord last) {
    Instant now = clock.instant();
    Instant thisUpdate = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Instant nextUpdate = thisUpdate.plus(validity);
    if (last != null && last.nextUpdate().isAfter(nextUpdate)) {
      // The former master announced a later nextUpdate: never announce an earlier one.
      nextUpdate = last.nextUpdate();
    }
    Instant next = nextUpdate;
    long mark = changes.publicationDelay().mark();
    return engine
        .current(caId)
        .flatMap(
            ca ->
                Mono.zip(
                        // Reserved (committed) before signing: a crash after this leaves a gap,
                        // never a reuse.
                        crlNumbers.reserve(
                            caId, scope.name(), epoch.getAsLong(), now.toEpochMilli()),
                        // Streamed into one DER buffer: a million entries never become objects.
                        certificates
                            .revokedEntries(caId, scope == CrlScope.ARL, now)
                            .reduceWith(CrlEntries::new, CrlPublisher::add))
                    .flatMap(
                        t ->
                            builder
                                .crlDer(
                                    new CrlTemplate(
                                        ca.name(),
                                        ca.key().keyId(),
                                        ca.signatureAlgorithm(),
                                        ca.key().keyIdentifier(),
                                        scope,
                                        t.getT1(),
                                        thisUpdate,
                                        next,
                                        urls.distributionPoints(caId, ca.ca().subjectDn(), scope),
                                        t.getT2()))
                                .map(
                                    crl ->
                                        record(
                                            caId,
                                            scope,
                                            t.getT1(),
                                            thisUpdate,
                                            next,
                                            ca.key().keyId(),
                                            t.getT2().count(),
                                            crl))))
        .flatMap(
            crl ->
                last == null ? Mono.just(crl) : RepublishCheck.check(certificates, last, crl, now))
        .flatMap(crlWriter::archive)
        .doOnSuccess(crl -> changes.publicationDelay().issued(caId, scope, mark, clock.instant()));
  }

  private static CrlEntries add(CrlEntries entries, RevokedEntry e) {
    var r = e.revocation();
    return entries.add(
        new BigInteger(e.serialHex(), 16), r.revokedAt(), r.reason(), r.invalidityDate());
  }

  private static CrlRecord record(
      String caId,
      CrlScope scope,
      BigInteger number,
      Instant thisUpdate,
      Instant nextUpdate,
      String keyId,
      int entries,
      byte[] der) {
    return new CrlRecord(
        0,
        caId,
        scope.name(),
        number,
        thisUpdate,
        nextUpdate,
        keyId,
        entries,
        Certificates.digest("SHA-256", der),
        der);
  }

  /**
   * Issues every list that is due: never issued, or issued {@code period} ago or longer. Only CAs
   * whose current key this gateway's signer holds are considered (external CAs publish their own
   * lists).
   */
  public Flux<CrlRecord> publishDue() {
    Instant now = clock.instant();
    return cas.cas()
        .concatMap(
            ca ->
                signer
                    .hasKey(CaEngine.keyId(ca.id(), ca.currentGeneration()))
                    .filter(Boolean::booleanValue)
                    .flatMapMany(
                        held ->
                            Flux.fromIterable(List.of(CrlScope.CRL, CrlScope.ARL))
                                .concatMap(
                                    scope ->
                                        crls.latest(ca.id(), scope.name())
                                            .map(
                                                latest ->
                                                    !latest.thisUpdate().plus(period).isAfter(now))
                                            .defaultIfEmpty(true)
                                            .filter(Boolean::booleanValue)
                                            .flatMap(due -> publish(ca.id(), scope)))));
  }

  /**
   * Starts the schedule and the revocation trigger.
   *
   * @param checkInterval how often to look for due lists
   * @param revocationDelay how long to gather revocations before issuing (coalesces bursts)
   * @return a handle that stops both
   */
  public Disposable start(Duration checkInterval, Duration revocationDelay) {
    Disposable schedule =
        BackgroundLoop.start(
            "scheduled CRL/ARL issue", BackgroundLoop.every(checkInterval), this::publishDue);
    // One loop per list: a list issued later covers every request before it, so requests arriving
    // while it is issued coalesce into one more issue.
    Disposable onRevocation =
        changes
            .listRequests()
            .groupBy(req -> req)
            .flatMap(
                group ->
                    BackgroundLoop.rounds(
                        "CRL/ARL after revocation for " + group.key(),
                        group.sample(revocationDelay),
                        () -> publish(group.key().caId(), group.key().scope())))
            .subscribe();
    return Disposables.composite(schedule, onRevocation);
  }
}
