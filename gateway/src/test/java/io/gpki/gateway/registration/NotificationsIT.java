package io.gpki.gateway.registration;

import static io.gpki.sync.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.sync.OutboxEvent;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.testing.Await;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Signed webhooks and subscriber mail end to end: the webhook set over the mutual-TLS API, issue
 * and revoke through it, a real HTTP receiver on 127.0.0.1 that verifies each JWS against osca and
 * fails its first attempts, a dispatcher restart with events pending, expiry thresholds, and mail
 * through a real in-process SMTP server (GreenMail).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "gpki.crl.period=1h",
      "gpki.crl.validity=2h",
      "gpki.notifications.allow-http=true",
      "gpki.notifications.poll-interval=200ms",
      "gpki.notifications.initial-backoff=400ms",
      "gpki.notifications.backoff-multiplier=2",
      "gpki.notifications.max-backoff=5s",
      "gpki.notifications.expiring-thresholds=3d,1d",
      "gpki.notifications.expiry-scan-interval=1h",
      "gpki.notifications.smtp.from=gpki@demo.go.jp"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationsIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static Path dataDir;
  private static GreenMail smtp;
  private static final WebhookReceiver RECEIVER = new WebhookReceiver();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
    smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    smtp.start();
    registry.add("gpki.notifications.smtp.host", () -> "127.0.0.1");
    registry.add("gpki.notifications.smtp.port", () -> Integer.toString(smtp.getSmtp().getPort()));
  }

  @LocalServerPort int httpPort;
  @Autowired RegistrationListener listener;
  @Autowired RegistrationStores stores;
  @Autowired NotificationStartup notifications;
  @Autowired ExpiryScanner expiry;
  LraClient op1;
  List<X509Certificate> anchors;

  @BeforeAll
  void ready() throws Exception {
    WebTestClient http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(WAIT)
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(120));
    await("listener up", () -> listener.port() > 0, Duration.ofSeconds(120));
    op1 = LraTestKit.client(dataDir, "lra-operator-1", listener.port());
    anchors = LraClient.trust(dataDir.resolve("demo-lra/trust-osca.pem"));
    RECEIVER.failFirst.set(2);
    String k = key();
    LraClient.Answer set =
        op1.post(NotificationHandler.SETTINGS, k, settings(k, RECEIVER.url(), "desk@demo.go.jp"));
    assertThat(set.status()).as(set.body()).isEqualTo(200);
    assertThat(LraTestKit.json(op1.get(NotificationHandler.SETTINGS)).get("webhookUrl").asString())
        .isEqualTo(RECEIVER.url());
  }

  @AfterAll
  void stop() {
    RECEIVER.close();
    smtp.stop();
  }

  @Test
  @Order(1)
  void issuedAndRevokedArriveSignedInOrderAfterRetriesWithBackoffAndDedupable() throws Exception {
    JsonNode issued =
        complete(issueJson("Webhook Person", List.of("email:webhook.person@demo.go.jp"), null));
    String serial = issued.get("serial").asString();
    String rk = key();
    String revokeId = submit(rk, LraClient.revokeJson(rk, serial, 1));
    assertThat(LraTestKit.awaitFinal(op1, revokeId, WAIT).get("state").asString())
        .isEqualTo("DONE");

    await("issued and revoked delivered", () -> accepted(serial).size() >= 2, WAIT);
    List<JsonNode> events = accepted(serial);
    assertThat(events)
        .extracting(e -> e.get("type").asString())
        .containsExactly("issued", "revoked");
    assertThat(events.get(0).get("seq").asLong()).isLessThan(events.get(1).get("seq").asLong());
    assertThat(events.get(0).get("data").get("request").asString())
        .isEqualTo(issued.get("id").asString());
    assertThat(events.get(1).get("data").get("request").asString()).isEqualTo(revokeId);

    // The first event failed twice, then got through: same id on every attempt, waits growing.
    String firstId = events.get(0).get("id").asString();
    List<WebhookReceiver.Received> tries =
        RECEIVER.received.stream().filter(r -> r.eventId().equals(firstId)).toList();
    assertThat(tries).extracting(WebhookReceiver.Received::attempt).containsExactly(1, 2, 3);
    assertThat(tries).extracting(WebhookReceiver.Received::answered).containsExactly(503, 503, 204);
    long firstWait = tries.get(1).atNanos() - tries.get(0).atNanos();
    long secondWait = tries.get(2).atNanos() - tries.get(1).atNanos();
    assertThat(Duration.ofNanos(firstWait)).isGreaterThanOrEqualTo(Duration.ofMillis(350));
    assertThat(Duration.ofNanos(secondWait)).isGreaterThanOrEqualTo(Duration.ofMillis(750));
    assertThat(events.get(0).get("attempt").asInt()).isEqualTo(3);
    for (WebhookReceiver.Received r : tries) {
      assertThat(r.contentType()).isEqualTo(WebhookSender.MEDIA_TYPE);
      JsonNode p = JwsCheck.verify(r.body(), anchors);
      assertThat(p.get("id").asString()).isEqualTo(r.eventId());
      assertThat(p.get("sentAt").asString()).isEqualTo(r.timestamp());
      assertThat(Duration.between(Instant.parse(p.get("sentAt").asString()), Instant.now()).abs())
          .isLessThan(Duration.ofMinutes(1));
    }
    // Deduplicated by id, the receiver holds exactly these two events; the API shows them
    // delivered.
    assertThat(events.stream().map(e -> e.get("id").asString()).distinct()).hasSize(2);
    JsonNode api =
        LraTestKit.json(op1.get(NotificationHandler.EVENTS + "?state=DELIVERED&limit=1000"));
    JsonNode first = find(api, firstId);
    assertThat(first.get("channel").asString()).isEqualTo("WEBHOOK");
    assertThat(first.get("attempts").asInt()).isEqualTo(3);
  }

  @Test
  @Order(2)
  void mailGoesToTheEmailSanOrElseTheLrasContact() throws Exception {
    JsonNode withSan =
        complete(issueJson("Mail Person", List.of("email:mail.person@demo.go.jp"), null));
    JsonNode without = complete(issueJson("No Mail Person", List.of(), null));
    await(
        "two mails",
        () ->
            mailsFor(withSan.get("serial").asString()).size()
                    + mailsFor(without.get("serial").asString()).size()
                >= 2,
        WAIT);
    MimeMessage m = mailsFor(withSan.get("serial").asString()).get(0);
    assertThat(m.getRecipients(Message.RecipientType.TO)[0].toString())
        .isEqualTo("mail.person@demo.go.jp");
    assertThat(m.getSubject()).contains("issued").contains(withSan.get("serial").asString());
    assertThat(m.getFrom()[0].toString()).isEqualTo("gpki@demo.go.jp");
    assertThat(m.getHeader("X-Gpki-Event-Id")).hasSize(1);
    MimeMessage c = mailsFor(without.get("serial").asString()).get(0);
    assertThat(c.getRecipients(Message.RecipientType.TO)[0].toString())
        .isEqualTo("desk@demo.go.jp");
  }

  @Test
  @Order(3)
  void eventsLeftPendingAreDeliveredAfterTheDispatcherRestarts() throws Exception {
    notifications.stop();
    JsonNode issued = complete(issueJson("Restart Person", List.of(), null));
    String serial = issued.get("serial").asString();
    // An absence: give a (wrongly) running dispatcher a second to deliver, then check none came.
    Await.pause(Duration.ofSeconds(1));
    assertThat(accepted(serial)).isEmpty();
    JsonNode pending = LraTestKit.json(op1.get(NotificationHandler.EVENTS + "?state=PENDING"));
    assertThat(
            pending
                .get("events")
                .valueStream()
                .filter(e -> e.get("data").get("serial").asString().equals(serial)))
        .extracting(e -> e.get("channel").asString())
        .containsExactlyInAnyOrder("WEBHOOK", "EMAIL");
    notifications.start();
    await("delivered after the restart", () -> accepted(serial).size() == 1, WAIT);
    await("mailed after the restart", () -> mailsFor(serial).size() == 1, WAIT);
  }

  @Test
  @Order(4)
  void anExpiringCertificateIsNotifiedOncePerThreshold() throws Exception {
    JsonNode soon = complete(issueJson("Expiring Person", List.of("email:expiring@demo.go.jp"), 2));
    String serial = soon.get("serial").asString();
    StepVerifier.create(expiry.scan())
        .assertNext(n -> assertThat(n).isGreaterThanOrEqualTo(2))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(expiry.scan()).expectNext(0).expectComplete().verify(WAIT);
    await(
        "expiring delivered",
        () -> accepted(serial).stream().anyMatch(e -> e.get("type").asString().equals("expiring")),
        WAIT);
    List<OutboxEvent> stored =
        stores
            .notifications()
            .events("demo-lra", null, 1000)
            .filter(e -> e.type().equals("expiring") && e.payload().contains(serial))
            .collectList()
            .block(WAIT);
    assertThat(stored)
        .extracting(e -> e.channel() + "/" + e.dedupeKey())
        .containsExactlyInAnyOrder(
            "WEBHOOK/expiring/3d/osca/" + serial + "/WEBHOOK",
            "EMAIL/expiring/3d/osca/" + serial + "/EMAIL");
    await(
        "expiry mail",
        () -> mailsFor(serial).stream().anyMatch(m -> subject(m).contains("expires")),
        WAIT);
    // No second delivery: give a duplicate half a second to show up.
    Await.pause(Duration.ofMillis(500));
    assertThat(accepted(serial).stream().filter(e -> e.get("type").asString().equals("expiring")))
        .hasSize(1);
  }

  @Test
  @Order(5)
  void aRejectedRequestIsPushedToTheLraWithItsReason() throws Exception {
    String cn = "Twice Person " + key().substring(3, 11);
    String k1 = key();
    String json1 =
        LraClient.issueJson(
            k1,
            "OFFICIAL_SIGNING",
            LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject(cn)),
            List.of());
    assertThat(LraTestKit.awaitFinal(op1, submit(k1, json1), WAIT).get("state").asString())
        .isEqualTo("DONE");
    String k2 = key();
    String json2 =
        LraClient.issueJson(
            k2,
            "OFFICIAL_SIGNING",
            LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject(cn)),
            List.of());
    String id = submit(k2, json2);
    assertThat(LraTestKit.awaitFinal(op1, id, WAIT).get("state").asString()).isEqualTo("REJECTED");
    await(
        "rejected delivered",
        () ->
            payloads().stream()
                .anyMatch(
                    p ->
                        p.get("type").asString().equals("rejected")
                            && p.get("data").get("request").asString().equals(id)),
        WAIT);
    JsonNode rejected =
        payloads().stream()
            .filter(p -> p.get("data").get("request").asString().equals(id))
            .findFirst()
            .orElseThrow();
    assertThat(rejected.get("data").get("error").asString()).startsWith("duplicate subject name");
  }

  @Test
  @Order(6)
  void badSettingsAreRefusedNamingTheField() throws Exception {
    String k = key();
    LraClient.Answer a =
        op1.post(NotificationHandler.SETTINGS, k, settings(k, "ftp://127.0.0.1/x", null));
    assertThat(a.status()).isEqualTo(400);
    assertThat(LraTestKit.json(a).get("detail").asString()).startsWith("webhookUrl:");
    String k2 = key();
    LraClient.Answer b =
        op1.post(NotificationHandler.SETTINGS, k2, settings(k2, RECEIVER.url(), "not an address"));
    assertThat(b.status()).isEqualTo(400);
    assertThat(LraTestKit.json(b).get("detail").asString()).startsWith("contactEmail:");
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static String key() {
    return "nt-" + UUID.randomUUID();
  }

  private static String settings(String key, String url, String mail) {
    ObjectNode n =
        LraTestKit.JSON
            .createObjectNode()
            .put("type", "notification-settings")
            .put("idempotencyKey", key)
            .put("webhookUrl", url)
            .put("contactEmail", mail)
            .put("signedAt", Instant.now().toString());
    return n.toString();
  }

  private static String issueJson(String cn, List<String> sans, Integer validityDays) {
    String k = key();
    ObjectNode n =
        (ObjectNode)
            LraTestKit.JSON.readTree(
                LraClient.issueJson(
                    k,
                    "OFFICIAL_SIGNING",
                    LraClient.csr(
                        LraClient.ecKeyPair(), LraTestKit.subject(cn + " " + k.substring(3, 11))),
                    sans));
    if (validityDays != null) {
      n.put("validityDays", validityDays);
    }
    return n.toString();
  }

  private String submit(String key, String json) throws Exception {
    LraClient.Answer a = op1.post(LraHandler.REQUESTS, key, json);
    assertThat(a.status()).as(a.body()).isEqualTo(202);
    return LraTestKit.json(a).get("id").asString();
  }

  private JsonNode complete(String json) throws Exception {
    JsonNode done =
        LraTestKit.awaitFinal(
            op1,
            submit(LraTestKit.JSON.readTree(json).get("idempotencyKey").asString(), json),
            WAIT);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("DONE");
    return done;
  }

  /** Payloads of the accepted deliveries about one serial, in arrival order, verified. */
  private List<JsonNode> accepted(String serial) {
    return payloads().stream()
        .filter(p -> serial.equals(p.get("data").path("serial").asString("")))
        .toList();
  }

  /** Payloads of every accepted delivery, in arrival order, each verified. */
  private List<JsonNode> payloads() {
    return RECEIVER.accepted().stream()
        .map(
            r -> {
              try {
                return JwsCheck.verify(r.body(), anchors);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            })
        .toList();
  }

  private static List<MimeMessage> mailsFor(String serial) {
    return List.of(smtp.getReceivedMessages()).stream()
        .filter(m -> subject(m).contains(serial))
        .toList();
  }

  private static String subject(MimeMessage m) {
    try {
      return m.getSubject();
    } catch (jakarta.mail.MessagingException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode find(JsonNode api, String id) {
    return api.get("events")
        .valueStream()
        .filter(e -> e.get("id").asString().equals(id))
        .findFirst()
        .orElseThrow();
  }
}
