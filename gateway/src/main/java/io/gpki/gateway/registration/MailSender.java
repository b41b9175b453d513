package io.gpki.gateway.registration;

import io.gpki.sync.OutboxEvent;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Properties;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mails a subscriber event through the configured SMTP relay (Jakarta Mail, Eclipse Angus). The
 * mail library blocks, so every send runs on the bounded {@code notify-mail} scheduler, with the
 * relay's connect/read/write timeouts and an outer {@code timeout}. The body is plain text: what
 * happened to which certificate; no key or secret. The event id is the {@code Message-ID} local
 * part and the {@code X-Gpki-Event-Id} header, so a resend can be recognised.
 */
public final class MailSender implements NotificationSender {

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final Session session;
  private final String from;
  private final Duration timeout;
  private final Scheduler blocking;

  public MailSender(NotificationProperties.Smtp smtp, Duration timeout, Scheduler blocking) {
    Properties p = new Properties();
    p.put("mail.smtp.host", smtp.host());
    p.put("mail.smtp.port", Integer.toString(smtp.port()));
    String millis = Long.toString(timeout.toMillis());
    p.put("mail.smtp.connectiontimeout", millis);
    p.put("mail.smtp.timeout", millis);
    p.put("mail.smtp.writetimeout", millis);
    if (smtp.starttls()) {
      p.put("mail.smtp.starttls.enable", "true");
      p.put("mail.smtp.starttls.required", "true");
    }
    this.session = Session.getInstance(p);
    this.from = smtp.from();
    this.timeout = timeout;
    this.blocking = blocking;
  }

  @Override
  public Mono<Void> send(OutboxEvent e, int attempt) {
    if (e.recipient() == null) {
      return Mono.error(new Undeliverable("no recipient"));
    }
    String to = e.recipient();
    return Mono.fromCallable(
            () -> {
              Transport.send(message(e, to));
              return Boolean.TRUE;
            })
        .subscribeOn(blocking)
        .timeout(timeout.plus(timeout))
        .onErrorMap(
            AddressException.class,
            ex -> new Undeliverable("bad address " + to + ": " + ex.getMessage()))
        .then();
  }

  MimeMessage message(OutboxEvent e, String to) throws MessagingException {
    JsonNode d = JSON.readTree(e.payload());
    String serial = text(d, "serial");
    String subject =
        switch (e.type()) {
          case "issued" -> "Your certificate was issued (serial " + serial + ")";
          case "revoked" -> "Your certificate was revoked (serial " + serial + ")";
          case "expiring" ->
              "Your certificate expires on " + text(d, "notAfter") + " (serial " + serial + ")";
          default -> "Certificate notice: " + e.type();
        };
    StringBuilder body = new StringBuilder(subject).append(".\n\n");
    body.append("Subject: ").append(text(d, "subject")).append('\n');
    body.append("Issuer CA: ").append(text(d, "ca")).append('\n');
    body.append("Serial: ").append(serial).append('\n');
    body.append("Valid until: ").append(text(d, "notAfter")).append('\n');
    body.append("\nPlease contact your registration office (LRA ")
        .append(e.lraId())
        .append(") with questions.\n");
    body.append("Event id: ").append(e.id()).append('\n');
    MimeMessage m =
        new MimeMessage(session) {
          @Override
          protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", "<" + e.id() + "@gpki-gateway>");
          }
        };
    m.setFrom(new InternetAddress(from, true));
    m.setRecipient(Message.RecipientType.TO, new InternetAddress(to, true));
    m.setSubject(subject, "UTF-8");
    m.setSentDate(Date.from(Instant.now()));
    m.setHeader("X-Gpki-Event-Id", e.id());
    m.setHeader("X-Gpki-Event-Type", e.type());
    m.setText(body.toString(), "UTF-8");
    return m;
  }

  private static String text(JsonNode d, String field) {
    JsonNode n = d.get(field);
    return n == null || n.isNull() ? "-" : n.asString();
  }
}
