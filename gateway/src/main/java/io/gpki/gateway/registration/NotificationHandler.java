package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An LRA's notification settings and outbox on the mutual-TLS listener (LRA operators, own LRA
 * only): {@code POST /api/v1/lra/notifications/settings} (signed CMS: webhook URL and contact
 * address; audited), {@code GET .../settings}, and {@code GET .../events?state=&limit=} (the LRA's
 * events with their delivery state, e.g. {@code state=DEAD}).
 */
public final class NotificationHandler {

  /** The settings path. */
  public static final String SETTINGS = "/api/v1/lra/notifications/settings";

  /** The events path. */
  public static final String EVENTS = "/api/v1/lra/notifications/events";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final SignedBodies bodies;
  private final OperatorAuthenticator authenticator;
  private final NotificationOutbox outbox;
  private final CallAudit calls;
  private final Clock clock;
  private final Duration skew;
  private final boolean allowHttp;
  private final Runnable wake;

  public NotificationHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      NotificationOutbox outbox,
      CallAudit calls,
      Clock clock,
      Duration skew,
      boolean allowHttp,
      Runnable wake) {
    this.bodies = bodies;
    this.authenticator = authenticator;
    this.outbox = outbox;
    this.calls = calls;
    this.clock = clock;
    this.skew = skew;
    this.allowHttp = allowHttp;
    this.wake = wake;
  }

  /** The routes. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(RequestPredicates.POST(SETTINGS), this::save)
        .andRoute(RequestPredicates.GET(SETTINGS), this::show)
        .andRoute(RequestPredicates.GET(EVENTS), this::events);
  }

  /** POST: read the signed body, authenticate, parse the settings, save them, render. */
  Mono<ServerResponse> save(ServerRequest request) {
    return Mono.fromCallable(() -> SignedBodies.idempotencyKey(request))
        .flatMap(
            key ->
                bodies
                    .read(request)
                    .flatMap(
                        signed ->
                            authenticator
                                .authenticate(request, signed)
                                .flatMap(
                                    caller -> {
                                      String lra = lraOf(caller); // 403 before any 400
                                      return saveSettings(
                                          caller, lra, parse(signed.content(), key));
                                    })))
        .doOnNext(s -> wake.run())
        .flatMap(NotificationHandler::render)
        .onErrorResume(e -> calls.refused(request, "LRA_NOTIFICATIONS", e));
  }

  /** What a signed settings body asks for (either may be absent: that channel is off). */
  record Requested(@Nullable String webhookUrl, @Nullable String contactEmail) {}

  /**
   * The signed content: a JSON object with a checked envelope, a safe webhook URL, a mail address.
   */
  private Requested parse(byte[] content, String key) {
    JsonNode body = json(content);
    check(body, key);
    String url = optional(body, "webhookUrl");
    if (url != null) {
      String refused = WebhookSender.refusal(url, allowHttp);
      if (refused != null) {
        throw RequestParser.bad("webhookUrl", refused);
      }
    }
    String mail = optional(body, "contactEmail");
    if (mail != null) {
      try {
        new InternetAddress(mail, true).validate();
      } catch (AddressException e) {
        throw RequestParser.bad("contactEmail", "not a mail address");
      }
    }
    return new Requested(url, mail);
  }

  private Mono<LraNotificationSettings> saveSettings(
      OperatorAuthenticator.Caller caller, String lra, Requested r) {
    String url = r.webhookUrl();
    String mail = r.contactEmail();
    LraNotificationSettings s =
        new LraNotificationSettings(lra, url, mail, clock.instant(), caller.operator().id());
    return outbox.saveSettings(
        s,
        new AuditEvent(
            "LRA_NOTIFICATIONS",
            caller.source(),
            caller.operator().id(),
            lra,
            "DONE",
            "webhook "
                + (url == null ? "none" : withoutQuery(url))
                + "; contact "
                + (mail == null ? "none" : mail)));
  }

  Mono<ServerResponse> show(ServerRequest request) {
    return authenticator
        .authenticate(request, null)
        .flatMap(
            caller ->
                outbox
                    .settings(lraOf(caller))
                    .defaultIfEmpty(
                        new LraNotificationSettings(lraOf(caller), null, null, Instant.EPOCH, "-")))
        .flatMap(NotificationHandler::render)
        .onErrorResume(e -> calls.refused(request, "LRA_NOTIFICATIONS", e));
  }

  /** GET events: parse the filter, authenticate, read this LRA's outbox, render. */
  Mono<ServerResponse> events(ServerRequest request) {
    return Mono.fromCallable(() -> Optional.ofNullable(state(request)))
        .flatMap(
            state ->
                authenticator
                    .authenticate(request, null)
                    .flatMap(
                        caller -> {
                          ObjectNode body = JSON.createObjectNode();
                          ArrayNode events = body.putArray("events");
                          return outbox
                              .events(lraOf(caller), state.orElse(null), limit(request))
                              .doOnNext(e -> event(events.addObject(), e))
                              .then(Mono.fromCallable(() -> JSON.writeValueAsBytes(body)));
                        }))
        .flatMap(b -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(b))
        .onErrorResume(e -> calls.refused(request, "LRA_NOTIFICATIONS", e));
  }

  private static OutboxEvent.@Nullable State state(ServerRequest request) {
    String s = request.queryParam("state").orElse(null);
    try {
      return s == null ? null : OutboxEvent.State.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw RequestParser.bad("state", "one of PENDING, DELIVERED, DEAD, UNDELIVERABLE");
    }
  }

  private static void event(ObjectNode n, OutboxEvent e) {
    n.put("id", e.id());
    n.put("seq", e.seq());
    n.put("channel", e.channel().name());
    n.put("type", e.type());
    n.put("state", e.state().name());
    n.put("attempts", e.attempts());
    n.put("createdAt", e.createdAt().toString());
    n.put("nextAttemptAt", e.nextAttemptAt().toString());
    n.put("deliveredAt", e.deliveredAt() == null ? null : e.deliveredAt().toString());
    n.put("lastError", e.lastError());
    n.set("data", JSON.readTree(e.payload()));
  }

  private static String lraOf(OperatorAuthenticator.Caller caller) {
    if (caller.lra() == null
        || !caller.operator().roles().contains(OperatorRole.LRA_OPERATOR.name())) {
      throw new PkiException(
          ErrorType.FORBIDDEN, "role: notification settings are for the LRA's operators");
    }
    return caller.lra().id();
  }

  private void check(JsonNode body, String key) {
    if (!"notification-settings".equals(optional(body, "type"))) {
      throw RequestParser.bad("type", "must be notification-settings");
    }
    SignedBodies.sameKey(body, key);
    SignedBodies.fresh(body, clock.instant(), skew);
  }

  private static JsonNode json(byte[] content) {
    try {
      JsonNode n = JSON.readTree(content);
      if (n == null || !n.isObject()) {
        throw RequestParser.bad("body", "the signed content must be a JSON object");
      }
      return n;
    } catch (JacksonException e) {
      throw RequestParser.bad("body", "the signed content is not JSON");
    }
  }

  private static @Nullable String optional(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() || n.asString().isBlank() ? null : n.asString().trim();
  }

  private static int limit(ServerRequest request) {
    String v = request.queryParam("limit").orElse("100");
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 1000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // falls through to the refusal
    }
    throw RequestParser.bad("limit", "1..1000");
  }

  /** A URL as audited: without query or fragment (they may carry a receiver's token). */
  static String withoutQuery(String url) {
    URI u = URI.create(url);
    return u.getScheme()
        + "://"
        + u.getRawAuthority()
        + (u.getRawPath() == null ? "" : u.getRawPath());
  }

  private static Mono<ServerResponse> render(LraNotificationSettings s) {
    ObjectNode b = JSON.createObjectNode();
    b.put("lra", s.lraId());
    b.put("webhookUrl", s.webhookUrl());
    b.put("contactEmail", s.contactEmail());
    b.put("updatedAt", s.updatedAt().toString());
    b.put("updatedBy", s.updatedBy());
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(JSON.writeValueAsBytes(b));
  }
}
