package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.ca.Certificates;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.JournalAcceptance;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraRecord;
import io.gpki.sync.RegistrationJournal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Acceptance: the checks that need the caller and the database (LRA's CA, profiles, namespace, the
 * certificate to revoke), then the durable insert. The journal row and its audit record commit
 * together; only then does the caller answer 202.
 */
public final class LraIntake {

  private final RegistrationJournal journal;
  private final CertificateLookup certificates;
  private final Clock clock;
  private final Duration skew;
  private final Runnable wakeWorker;
  private final ServiceCalendar calendar;
  private final ServerKeyIntake serverKeys;

  public LraIntake(
      RegistrationJournal journal,
      CertificateLookup certificates,
      Clock clock,
      Duration skew,
      Runnable wakeWorker,
      ServiceCalendar calendar,
      ServerKeyIntake serverKeys) {
    this.calendar = calendar;
    this.serverKeys = serverKeys;
    this.journal = journal;
    this.certificates = certificates;
    this.clock = clock;
    this.skew = skew;
    this.wakeWorker = wakeWorker;
  }

  /**
   * An accepted request.
   *
   * @param acceptance the journal entry, new or the first one stored under the key
   * @param secret the one-time secret of a server-generated key: only in the first answer, else
   *     {@code null}
   */
  public record Accepted(JournalAcceptance acceptance, @Nullable String secret) {

    @Override
    public String toString() {
      return "Accepted[" + acceptance + (secret == null ? "" : ", secret withheld") + "]";
    }
  }

  /** Accepts (or recognises a repeat of) a verified, format-checked request. */
  public Mono<Accepted> accept(
      OperatorAuthenticator.Caller caller,
      LraRequest request,
      SignedRequests.Verified signed,
      String headerKey) {
    LraRecord lra = caller.lra();
    if (lra == null || !caller.operator().roles().contains(OperatorRole.LRA_OPERATOR.name())) {
      return Mono.error(
          new PkiException(ErrorType.FORBIDDEN, "role: LRA requests need an LRA operator"));
    }
    try {
      SignedBodies.sameKey(headerKey, request.idempotencyKey(), SignedBodies.IDEMPOTENCY_KEY);
    } catch (PkiException e) {
      return Mono.error(e);
    }
    byte[] sha = Certificates.digest("SHA-256", signed.content());
    return journal
        .findByKey(lra.id(), headerKey)
        .map(first -> new Accepted(repeat(first, sha), null))
        .switchIfEmpty(Mono.defer(() -> fresh(caller, lra, request, signed, sha)));
  }

  private static JournalAcceptance repeat(JournalEntry first, byte[] sha) {
    if (!Arrays.equals(first.requestSha256(), sha)) {
      throw new PkiException(
          ErrorType.CONFLICT, "Idempotency-Key: already used for a different request");
    }
    return new JournalAcceptance(first, true);
  }

  private Mono<Accepted> fresh(
      OperatorAuthenticator.Caller caller,
      LraRecord lra,
      LraRequest request,
      SignedRequests.Verified signed,
      byte[] sha) {
    Instant now = clock.instant();
    try {
      SignedBodies.fresh(request.signedAt(), now, skew);
    } catch (PkiException e) {
      return Mono.error(e);
    }
    if (request instanceof LraRequest.Issue
        && calendar.outside() == ServiceCalendar.Outside.REFUSE
        && !calendar.isOpen(now)) {
      return Mono.error(
          new PkiException(
              ErrorType.SERVICE_UNAVAILABLE,
              "service hours: issuance is closed until "
                  + calendar.nextOpening(now)
                  + "; revocation is always served"));
    }
    String caId = request.caId() == null ? lra.caId() : request.caId();
    if (!caId.equals(lra.caId())) {
      return Mono.error(
          new PkiException(
              ErrorType.FORBIDDEN, "ca: LRA " + lra.id() + " registers for " + lra.caId()));
    }
    Mono<String> checked =
        request instanceof LraRequest.Issue i
            ? Mono.fromCallable(() -> checkIssue(lra, i))
            : checkRevoke(lra, caId, (LraRequest.Revoke) request);
    JournalEntry.Kind kind =
        request instanceof LraRequest.Issue ? JournalEntry.Kind.ISSUE : JournalEntry.Kind.REVOKE;
    return checked.flatMap(
        detail -> {
          String id = UUID.randomUUID().toString();
          JournalEntry entry =
              JournalEntry.accepted(
                  id,
                  lra.id(),
                  caller.operator().id(),
                  request.idempotencyKey(),
                  kind,
                  caId,
                  new String(signed.content(), StandardCharsets.UTF_8),
                  sha,
                  signed.der(),
                  now);
          AuditEvent event =
              new AuditEvent(
                  "LRA_REQUEST",
                  caller.source(),
                  caller.operator().id(),
                  id,
                  "ACCEPTED",
                  kind + " " + caId + " " + detail + " (signature verified, evidence kept)");
          Mono<Accepted> stored =
              request instanceof LraRequest.Issue i && i.serverKey()
                  ? serverKeys.accept(entry, i, event)
                  : journal.accept(entry, event).map(a -> new Accepted(a, null));
          return stored
              .map(
                  a ->
                      a.acceptance().repeat()
                          ? new Accepted(repeat(a.acceptance().entry(), sha), null)
                          : a)
              .doOnSuccess(a -> wakeWorker.run());
        });
  }

  private String checkIssue(LraRecord lra, LraRequest.Issue i) {
    if (!lra.allowedProfiles().contains(i.profile().name())) {
      throw RequestParser.bad("profile", i.profile() + " is not allowed for LRA " + lra.id());
    }
    if (i.serverKey()) {
      serverKeys.checkProfile(i.profile());
    }
    X500Name subject = i.subject();
    if (!Namespaces.subjectUnder(subject, lra.subjectBaseDn())) {
      throw RequestParser.bad(
          i.subjectField(),
          "subject "
              + Certificates.rfc4514(subject)
              + " is outside the LRA's namespace "
              + lra.subjectBaseDn());
    }
    String outside = Namespaces.firstOutside(i.subjectAltNames(), lra.dnsSuffixes());
    if (outside != null) {
      throw RequestParser.bad(
          "subjectAltNames", outside + " is outside the LRA's domains " + lra.dnsSuffixes());
    }
    return i.profile() + " " + Certificates.rfc4514(subject);
  }

  private Mono<String> checkRevoke(LraRecord lra, String caId, LraRequest.Revoke r) {
    if (!RequestParser.LRA_REASONS.contains(r.reason())) {
      return Mono.error(
          RequestParser.bad("reason", "an LRA may give " + RequestParser.LRA_REASONS));
    }
    return certificates
        .find(caId, r.serialHex())
        .switchIfEmpty(
            Mono.error(
                new PkiException(
                    ErrorType.NOT_FOUND,
                    "serial: no certificate " + r.serialHex() + " issued by " + caId)))
        .map(
            cert -> {
              if (cert.ca() || !Namespaces.subjectUnder(cert.subjectDn(), lra.subjectBaseDn())) {
                throw new PkiException(
                    ErrorType.FORBIDDEN,
                    "serial: certificate " + r.serialHex() + " is outside the LRA's namespace");
              }
              return "serial " + r.serialHex() + " reason " + r.reason();
            });
  }
}
