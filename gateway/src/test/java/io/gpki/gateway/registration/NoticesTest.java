package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.Certificates;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.OutboxEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Which events a completion stores, and that a mail which cannot be sent is kept and counted. */
class NoticesTest {

  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "pending to the SAN/email SAN and mail on,               true,  true,  desk@demo.go.jp, PENDING,       person@demo.go.jp",
    "pending to the LRA contact/no SAN and mail on,          false, true,  desk@demo.go.jp, PENDING,       desk@demo.go.jp",
    "undeliverable and counted/mail off,                     true,  false, desk@demo.go.jp, UNDELIVERABLE, person@demo.go.jp",
    "undeliverable and counted/no SAN and no LRA contact,    false, true,  ,                UNDELIVERABLE, ",
  })
  void anIssuedCertificateGivesOneWebhookAndOneStoredMailEvent(
      String outcome,
      boolean san,
      boolean mailOn,
      @Nullable String contact,
      OutboxEvent.State mailState,
      @Nullable String to)
      throws Exception {
    OutboxDispatcherTest.FakeOutbox outbox =
        new OutboxDispatcherTest.FakeOutbox() {
          @Override
          public Mono<LraNotificationSettings> settings(String lraId) {
            return contact == null
                ? Mono.empty()
                : Mono.just(
                    new LraNotificationSettings(
                        lraId, "https://lra.example/hook", contact, NOW, "op"));
          }
        };
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Notices notices = new Notices(outbox, Clock.fixed(NOW, ZoneOffset.UTC), mailOn, meters);
    JournalEntry e =
        JournalEntry.accepted(
            "r1",
            "demo-lra",
            "op",
            "k1",
            JournalEntry.Kind.ISSUE,
            "osca",
            "{}",
            new byte[32],
            null,
            NOW);

    StepVerifier.create(notices.done(e, certificate(san)))
        .assertNext(
            events -> {
              assertThat(events)
                  .extracting(OutboxEvent::channel)
                  .containsExactly(OutboxEvent.Channel.WEBHOOK, OutboxEvent.Channel.EMAIL);
              assertThat(events.get(0).state()).isEqualTo(OutboxEvent.State.PENDING);
              assertThat(events.get(0).payload())
                  .contains("\"event\":\"issued\"", "\"request\":\"r1\"");
              OutboxEvent mail = events.get(1);
              assertThat(mail.state()).isEqualTo(mailState);
              assertThat(mail.recipient()).isEqualTo(to);
              assertThat(mail.id()).isNotEqualTo(events.get(0).id());
            })
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    double counted =
        meters.get("gpki.notifications.attempts").tag("outcome", "undeliverable").counter().count();
    assertThat(counted).isEqualTo(mailState == OutboxEvent.State.UNDELIVERABLE ? 1.0 : 0.0);
  }

  private static CertificateRecord certificate(boolean san) throws Exception {
    KeyPair kp = LraClient.ecKeyPair();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            LraTestKit.subject("Issuer"),
            BigInteger.valueOf(0x1a2b),
            Date.from(NOW),
            Date.from(NOW.plus(Duration.ofDays(365))),
            LraTestKit.subject("Person"),
            kp.getPublic());
    if (san) {
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(new GeneralName(GeneralName.rfc822Name, "person@demo.go.jp")));
    }
    X509CertificateHolder h =
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
    return Certificates.record(
        h,
        "osca",
        1,
        CertificateKind.END_ENTITY,
        CertificateProfile.OFFICIAL_SIGNING,
        null,
        null,
        NOW);
  }
}
