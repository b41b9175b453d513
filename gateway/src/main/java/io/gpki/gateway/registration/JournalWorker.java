package io.gpki.gateway.registration;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.PublicationHold;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.Certificates;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.signer.CrlScope;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.RegistrationJournal;
import io.gpki.sync.Revocation;
import io.gpki.sync.StoreException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Takes accepted requests from the journal (revocations first, then acceptance order; one at a time
 * per CA) and carries them out through the CA engine. Exactly once across crashes: an issue request
 * reserves its serial in its journal row before it is signed, so a retry finds the certificate
 * already stored (or signs the same serial, which the store's unique (issuer, serial) admits once);
 * revocation is idempotent in the store. A request is marked done only after its effect is stored.
 *
 * <p>With the publication hold active (replication on at a master), a revocation is marked done,
 * and its LRA notified, only after the backup acknowledged the change that stored it, or the hold's
 * timeout passed (then the center is DR-unprotected). The wait does not hold up the CA's queue: the
 * next request's effect proceeds while earlier revocations wait for their acknowledgement.
 */
public final class JournalWorker {

  private static final Logger LOG = LoggerFactory.getLogger(JournalWorker.class);

  private final RegistrationJournal journal;
  private final CaEngine engine;
  private final CertificateLookup certificates;
  private final AuditLog audit;
  private final RequestParser parser;
  private final RepositoryChanges changes;
  private final Clock clock;
  private final int batch;
  private final Timer issueLatency;
  private final Timer revokeLatency;
  private final BackgroundLoop.Wakeup wake = new BackgroundLoop.Wakeup();
  private final ServiceCalendar calendar;
  private final Notices notices;
  private final Runnable notify;
  private final PublicationHold hold;

  /**
   * @param notices the notifications each completion stores with it (same transaction)
   * @param notify wakes the notification dispatchers after a completion
   * @param hold a revocation is done only once released by it (none: a lone center)
   */
  public JournalWorker(
      RegistrationJournal journal,
      CaEngine engine,
      CertificateLookup certificates,
      AuditLog audit,
      RequestParser parser,
      RepositoryChanges changes,
      Clock clock,
      int batch,
      MeterRegistry meters,
      ServiceCalendar calendar,
      Notices notices,
      Runnable notify,
      PublicationHold hold) {
    this.hold = hold;
    this.calendar = calendar;
    this.notices = notices;
    this.notify = notify;
    this.journal = journal;
    this.engine = engine;
    this.certificates = certificates;
    this.audit = audit;
    this.parser = parser;
    this.changes = changes;
    this.clock = clock;
    this.batch = batch;
    this.issueLatency = latency(meters, "issue");
    this.revokeLatency = latency(meters, "revoke");
  }

  private static Timer latency(MeterRegistry meters, String kind) {
    return Timer.builder("gpki.registration.completion")
        .description("time from acceptance to completion (revocation: stored and list requested)")
        .tag("kind", kind)
        .publishPercentiles(0.5, 0.99)
        .register(meters);
  }

  /** Asks the worker to look for work now. Never blocks, never fails. */
  public void wake() {
    wake.wake();
  }

  /**
   * Starts the worker. First asks for a fresh CRL of every CA with revocations completed within
   * {@code listWindow} (a crash may have come between a revocation and its list).
   */
  public Disposable start(Duration pollInterval, Duration listWindow) {
    Mono<Void> relist =
        journal
            .casWithRevocationsSince(clock.instant().minus(listWindow))
            .doOnNext(ca -> changes.listNeeded(ca, CrlScope.CRL))
            .then()
            .onErrorResume(e -> Mono.empty());
    return BackgroundLoop.start(
        "registration worker",
        relist.thenMany(Flux.merge(BackgroundLoop.every(pollInterval), wake.signals())),
        this::drain);
  }

  /** Processes until a round completes nothing. */
  Mono<Void> drain() {
    return drainOnce()
        .expand(done -> done > 0 ? drainOnce() : Mono.empty())
        .then()
        .onErrorResume(
            e -> {
              LOG.warn("registration worker round failed; will retry: {}", e.toString());
              return Mono.empty();
            });
  }

  /**
   * One round: up to {@code batch} requests, their effects sequential per CA (a revocation's wait
   * for the backup runs beside the next effects). Emits how many completed.
   */
  Mono<Integer> drainOnce() {
    return journal
        .pending(batch)
        .groupBy(JournalEntry::caId)
        .flatMap(perCa -> perCa.concatMap(this::carryOut).flatMap(completion -> completion))
        .filter(Boolean::booleanValue)
        .count()
        .map(Long::intValue);
  }

  /** Carries out one request; emits whether it reached a final state. */
  Mono<Boolean> process(JournalEntry e) {
    return carryOut(e).flatMap(completion -> completion);
  }

  /**
   * Stores one request's effect; emits, once it is stored, the step that brings the request to its
   * final state and emits whether it did. Without an active hold that step is already done.
   */
  private Mono<Mono<Boolean>> carryOut(JournalEntry e) {
    if (e.kind() == JournalEntry.Kind.ISSUE && !calendar.isOpen(clock.instant())) {
      // Queued until service hours; revocations are always served.
      return Mono.just(Mono.just(false));
    }
    if (e.kind() == JournalEntry.Kind.ISSUE || !hold.active()) {
      Mono<JournalEntry> work = e.kind() == JournalEntry.Kind.REVOKE ? revoke(e) : issue(e);
      return outcome(e, work).map(Mono::just);
    }
    return revoked(e)
        .map(
            revoked ->
                outcome(
                    e,
                    // DONE (and the LRA's notification) only once the backup holds the revocation.
                    hold.awaitCommitted()
                        .then(Mono.defer(() -> done(e, revoked.cert(), revoked.detail())))))
        .onErrorResume(ex -> outcome(e, Mono.error(ex)).map(Mono::just));
  }

  /** Whether {@code work} brought the request to a final state; a permanent failure rejects it. */
  private Mono<Boolean> outcome(JournalEntry e, Mono<JournalEntry> work) {
    return work.map(done -> done.state() != JournalEntry.State.ACCEPTED)
        .onErrorResume(
            ex -> {
              if (permanent(ex)) {
                return reject(e, ex.getMessage() == null ? ex.toString() : ex.getMessage())
                    .thenReturn(true);
              }
              LOG.warn("request {} not completed yet, will retry: {}", e.id(), ex.toString());
              return Mono.just(false);
            });
  }

  private Mono<JournalEntry> issue(JournalEntry e) {
    LraRequest.Issue req =
        (LraRequest.Issue) parser.parse(e.requestJson().getBytes(StandardCharsets.UTF_8));
    // The CSR's key, or the one the gateway generated and stored at acceptance (same key on every
    // retry).
    Mono<SubjectPublicKeyInfo> key =
        req.csr() != null
            ? Mono.just(req.csr().getSubjectPublicKeyInfo())
            : journal
                .generatedPublicKey(e.id())
                .map(SubjectPublicKeyInfo::getInstance)
                .switchIfEmpty(
                    Mono.error(
                        new IllegalArgumentException(
                            "the generated key of " + e.id() + " is missing")));
    return key.flatMap(publicKey -> issue(e, req, publicKey));
  }

  private Mono<JournalEntry> issue(
      JournalEntry e, LraRequest.Issue req, SubjectPublicKeyInfo publicKey) {
    byte[] spki = Certificates.digest("SHA-256", encoded(publicKey));
    if (e.reservedSerial() == null) {
      // First attempt: nothing can have been signed yet. Reserve (with the audit record that comes
      // before every signature), then check and sign.
      String fresh = Certificates.hex(Certificates.randomSerial());
      return duplicates(e, req, spki)
          .switchIfEmpty(
              Mono.defer(
                  () ->
                      journal
                          .reserveSerial(e.id(), fresh, signing(e, fresh))
                          .flatMap(s -> sign(e, req, publicKey, s, spki))));
    }
    // A retry: an earlier attempt reserved a serial and may have stored the certificate.
    String s = e.reservedSerial();
    return certificates
        .find(e.caId(), s)
        .flatMap(
            existing ->
                done(e, existing, "issued " + e.caId() + "/" + s + " (found after restart)"))
        .switchIfEmpty(
            Mono.defer(
                () ->
                    audit
                        .append(signing(e, s))
                        .then(duplicates(e, req, spki))
                        .switchIfEmpty(Mono.defer(() -> sign(e, req, publicKey, s, spki)))));
  }

  private static AuditEvent signing(JournalEntry e, String serial) {
    return new AuditEvent(
        "SIGNATURE",
        "worker",
        "system",
        e.caId() + "/" + serial,
        "STARTED",
        "certificate for request " + e.id());
  }

  /** Duplicate public key: reject and revoke the holders. Duplicate name: reject. Else empty. */
  private Mono<JournalEntry> duplicates(JournalEntry e, LraRequest.Issue req, byte[] spki) {
    Instant now = clock.instant();
    Mono<JournalEntry> byKey =
        journal
            .activeWithKey(spki)
            .concatMap(
                c ->
                    engine
                        .revoke(c.issuerCaId(), c.serialHex(), new Revocation(now, 1, null))
                        .then(
                            audit.append(
                                new AuditEvent(
                                    "REVOCATION",
                                    "worker",
                                    "system",
                                    c.issuerCaId() + "/" + c.serialHex(),
                                    "DONE",
                                    "keyCompromise: its public key was presented again in request "
                                        + e.id())))
                        .thenReturn(c.issuerCaId() + "/" + c.serialHex()))
            .collectList()
            .filter(l -> !l.isEmpty())
            .flatMap(
                l ->
                    reject(
                        e, "duplicate public key: the certificates holding it were revoked: " + l));
    Mono<JournalEntry> byName =
        journal
            .activeWithSubject(e.caId(), Certificates.der(req.subject()), now)
            .next()
            .flatMap(
                c ->
                    reject(
                        e,
                        "duplicate subject name: certificate "
                            + c.serialHex()
                            + " of "
                            + c.issuerCaId()
                            + " has it"));
    return byKey.switchIfEmpty(byName);
  }

  private Mono<JournalEntry> sign(
      JournalEntry e,
      LraRequest.Issue req,
      SubjectPublicKeyInfo publicKey,
      String serial,
      byte[] spki) {
    Instant notBefore = e.acceptedAt().truncatedTo(ChronoUnit.SECONDS);
    CaEngine.EndEntity ee =
        new CaEngine.EndEntity(
            req.subject(),
            publicKey,
            req.profile(),
            notBefore,
            notBefore.plus(req.validity()),
            req.subjectAltNames(),
            null);
    String object = e.caId() + "/" + serial;
    return engine
        .issue(e.caId(), ee, new BigInteger(serial, 16))
        .flatMap(cert -> done(e, cert, "issued " + object))
        .onErrorResume(
            StoreException.Conflict.class,
            c ->
                certificates
                    .find(e.caId(), serial)
                    .filter(found -> Arrays.equals(found.spkiSha256(), spki))
                    .flatMap(found -> done(e, found, "issued " + object))
                    .switchIfEmpty(
                        Mono.defer(
                            () -> reject(e, "serial collision; please send a new request"))));
  }

  private Mono<JournalEntry> revoke(JournalEntry e) {
    return revoked(e).flatMap(r -> done(e, r.cert(), r.detail()));
  }

  private record Revoked(CertificateRecord cert, String detail) {}

  /** Stores the revocation (committed when this emits). */
  private Mono<Revoked> revoked(JournalEntry e) {
    return Mono.defer(
        () -> {
          LraRequest.Revoke req =
              (LraRequest.Revoke) parser.parse(e.requestJson().getBytes(StandardCharsets.UTF_8));
          return engine
              .revoke(
                  e.caId(),
                  req.serialHex(),
                  new Revocation(clock.instant(), req.reason(), req.invalidityDate()),
                  e.acceptedAt())
              .map(cert -> new Revoked(cert, "revoked " + e.caId() + "/" + req.serialHex()));
        });
  }

  private Mono<JournalEntry> done(JournalEntry e, CertificateRecord cert, String detail) {
    return notices
        .done(e, cert)
        .flatMap(
            events ->
                journal.complete(
                    e.id(),
                    cert.serialHex(),
                    new AuditEvent(
                        "REQUEST_DONE", "worker", e.operatorId(), e.id(), "DONE", detail),
                    events))
        .doOnSuccess(j -> notify.run())
        .doOnSuccess(
            j ->
                (e.kind() == JournalEntry.Kind.REVOKE ? revokeLatency : issueLatency)
                    .record(Duration.between(e.acceptedAt(), clock.instant())));
  }

  private Mono<JournalEntry> reject(JournalEntry e, String reason) {
    return journal
        .reject(
            e.id(),
            reason,
            new AuditEvent("REQUEST_DONE", "worker", e.operatorId(), e.id(), "REJECTED", reason),
            notices.rejected(e, reason))
        .doOnSuccess(j -> notify.run());
  }

  private static boolean permanent(Throwable e) {
    return (e instanceof PkiException p && p.type().status() < 500)
        || e instanceof StoreException.NotFound
        || e instanceof IllegalArgumentException;
  }

  private static byte[] encoded(org.bouncycastle.asn1.ASN1Object o) {
    try {
      return o.getEncoded("DER");
    } catch (java.io.IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
  }
}
