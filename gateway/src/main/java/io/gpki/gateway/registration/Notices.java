package io.gpki.gateway.registration;

import io.gpki.sync.CertificateRecord;
import io.gpki.sync.ExpiringCertificate;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the notifications of a completed request or an approaching expiry: one WEBHOOK event for
 * the LRA (stored only when the LRA has a webhook URL) and, for issued, revoked and expiring
 * certificates, one EMAIL event for the subscriber at the certificate's {@code email:} SAN, else
 * the LRA's contact address. A mail event that cannot be sent (no address, mail off) is still
 * stored, as UNDELIVERABLE, and counted; nothing is dropped silently.
 */
public final class Notices {

  /**
   * Prefix of the dedupe keys of expiring events: {@code expiring/<days>d/<ca>/<serial>/<channel>}.
   */
  static final String EXPIRING = "expiring/";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final NotificationOutbox outbox;
  private final Clock clock;
  private final boolean mailEnabled;
  private final Counter undeliverable;

  public Notices(
      NotificationOutbox outbox, Clock clock, boolean mailEnabled, MeterRegistry meters) {
    this.outbox = outbox;
    this.clock = clock;
    this.mailEnabled = mailEnabled;
    this.undeliverable =
        Counter.builder("gpki.notifications.attempts")
            .description("notification delivery outcomes")
            .tag("channel", "EMAIL")
            .tag("outcome", "undeliverable")
            .register(meters);
  }

  /** The events of a request done with {@code cert} (issued, or revoked). */
  public Mono<List<OutboxEvent>> done(JournalEntry e, CertificateRecord cert) {
    String type = e.kind() == JournalEntry.Kind.ISSUE ? "issued" : "revoked";
    ObjectNode data =
        certificate(type, cert.issuerCaId(), cert.serialHex(), cert.subjectDn(), cert.notAfter());
    data.put("request", e.id());
    return forCertificate(e.lraId(), type, data, cert.der(), null);
  }

  /** The event of a rejected request (the LRA only: no certificate, no subscriber). */
  public List<OutboxEvent> rejected(JournalEntry e, String reason) {
    ObjectNode data = JSON.createObjectNode();
    data.put("event", "rejected");
    data.put("request", e.id());
    data.put("ca", e.caId());
    data.put("error", reason);
    return List.of(
        OutboxEvent.pending(
            UUID.randomUUID().toString(),
            OutboxEvent.Channel.WEBHOOK,
            e.lraId(),
            "rejected",
            null,
            null,
            JSON.writeValueAsString(data),
            clock.instant()));
  }

  /**
   * The events of a certificate within {@code threshold} of its expiry (deduplicated per
   * threshold).
   */
  public Mono<List<OutboxEvent>> expiring(ExpiringCertificate c, Duration threshold) {
    X509CertificateHolder holder = holder(c.der());
    ObjectNode data =
        certificate(
            "expiring", c.caId(), c.serialHex(), holder.getSubject().toString(), c.notAfter());
    data.put("request", c.requestId());
    data.put("thresholdDays", threshold.toDays());
    return forCertificate(
        c.lraId(),
        "expiring",
        data,
        c.der(),
        dedupePrefix(threshold) + c.caId() + "/" + c.serialHex());
  }

  /** The dedupe-key prefix of one expiry threshold. */
  static String dedupePrefix(Duration threshold) {
    return EXPIRING + threshold.toDays() + "d/";
  }

  private Mono<List<OutboxEvent>> forCertificate(
      String lraId, String type, ObjectNode data, byte[] der, @Nullable String dedupe) {
    Instant now = clock.instant();
    String payload = JSON.writeValueAsString(data);
    @Nullable String san = email(der);
    Mono<String> address =
        san != null
            ? Mono.just(san)
            : outbox.settings(lraId).mapNotNull(LraNotificationSettings::contactEmail);
    return address
        .map(java.util.Optional::of)
        .defaultIfEmpty(java.util.Optional.empty())
        .map(
            to -> {
              List<OutboxEvent> events = new ArrayList<>(2);
              events.add(
                  OutboxEvent.pending(
                      UUID.randomUUID().toString(),
                      OutboxEvent.Channel.WEBHOOK,
                      lraId,
                      type,
                      null,
                      dedupe == null ? null : dedupe + "/WEBHOOK",
                      payload,
                      now));
              String mailKey = dedupe == null ? null : dedupe + "/EMAIL";
              String mailId = UUID.randomUUID().toString();
              if (to.isEmpty() || !mailEnabled) {
                undeliverable.increment();
                events.add(
                    OutboxEvent.undeliverable(
                        mailId,
                        OutboxEvent.Channel.EMAIL,
                        lraId,
                        type,
                        to.orElse(null),
                        mailKey,
                        payload,
                        now,
                        to.isEmpty()
                            ? "no subscriber address (no email SAN, no LRA contact)"
                            : "mail is off (gpki.notifications.smtp.host is empty)"));
              } else {
                events.add(
                    OutboxEvent.pending(
                        mailId,
                        OutboxEvent.Channel.EMAIL,
                        lraId,
                        type,
                        to.get(),
                        mailKey,
                        payload,
                        now));
              }
              return events;
            });
  }

  private static ObjectNode certificate(
      String type, String ca, String serial, String subject, Instant notAfter) {
    ObjectNode data = JSON.createObjectNode();
    data.put("event", type);
    data.put("ca", ca);
    data.put("serial", serial);
    data.put("subject", subject);
    data.put("notAfter", notAfter.toString());
    return data;
  }

  /** The first rfc822Name SAN of a certificate, or {@code null}. */
  static @Nullable String email(byte[] der) {
    GeneralNames names =
        GeneralNames.fromExtensions(holder(der).getExtensions(), Extension.subjectAlternativeName);
    if (names == null) {
      return null;
    }
    for (GeneralName n : names.getNames()) {
      if (n.getTagNo() == GeneralName.rfc822Name) {
        return n.getName().toString();
      }
    }
    return null;
  }

  private static X509CertificateHolder holder(byte[] der) {
    try {
      return new X509CertificateHolder(der);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a certificate", e);
    }
  }
}
