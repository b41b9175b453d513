package io.gpki.gateway.registration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.gpki.gateway.net.Addresses;
import io.gpki.gateway.net.CheckedResolverGroup;
import io.gpki.gateway.net.TargetResolver;
import io.gpki.sync.LraNotificationSettings;
import io.gpki.sync.NotificationOutbox;
import io.gpki.sync.OutboxEvent;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * POSTs a webhook event to its LRA's current URL as a compact JWS ({@code application/jose}) with
 * the event id, type, sequence, timestamp and attempt as headers too. The signed payload carries
 * the same id and the send time ({@code sentAt}), so a receiver can refuse replays. Every call has
 * a timeout and goes through a circuit breaker named {@code lra-webhook:<host>}; any 2xx answer is
 * success. The URL's host is resolved once per connection and, unless http is allowed
 * (development), every address it has is checked like a literal before anything is connected
 * ({@link CheckedResolverGroup}): a name that resolves to the gateway itself or a metadata service
 * is undeliverable, whatever listens there.
 */
public final class WebhookSender implements NotificationSender {

  /** The header naming the event id (stable across attempts). */
  public static final String EVENT_ID = "Gpki-Event-Id";

  /** The header naming the event type. */
  public static final String EVENT_TYPE = "Gpki-Event-Type";

  /** The header with the event's per-LRA sequence number. */
  public static final String EVENT_SEQ = "Gpki-Event-Seq";

  /** The header with the send time (also in the signed payload). */
  public static final String TIMESTAMP = "Gpki-Event-Timestamp";

  /** The header with the attempt number. */
  public static final String ATTEMPT = "Gpki-Delivery-Attempt";

  /** The body's media type. */
  public static final String MEDIA_TYPE = "application/jose";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final NotificationOutbox outbox;
  private final WebhookSigner signer;
  private final CircuitBreakerRegistry breakers;
  private final Duration timeout;
  private final boolean allowHttp;
  private final Clock clock;
  private final HttpClient http;

  /** The refusal of a webhook URL naming (or resolving to) an internal target. */
  static final String INTERNAL =
      "must not name a loopback, link-local, unspecified or multicast host";

  /**
   * @param resolver the one lookup per connection (the system resolver on a bounded scheduler in
   *     production)
   */
  public WebhookSender(
      NotificationOutbox outbox,
      WebhookSigner signer,
      CircuitBreakerRegistry breakers,
      Duration timeout,
      boolean allowHttp,
      Clock clock,
      TargetResolver resolver) {
    this.outbox = outbox;
    this.signer = signer;
    this.breakers = breakers;
    this.timeout = timeout;
    this.allowHttp = allowHttp;
    this.clock = clock;
    this.http =
        HttpClient.create()
            .followRedirect(false)
            .responseTimeout(timeout)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 30_000))
            .resolver(new CheckedResolverGroup(host -> checked(host, resolver)));
  }

  /**
   * Every address of {@code host}, each checked (unless http is allowed), before any connection.
   */
  private Mono<List<InetAddress>> checked(String host, TargetResolver resolver) {
    return TargetResolver.addresses(host, resolver)
        .timeout(timeout)
        .handle(
            (list, sink) -> {
              if (!allowHttp && list.stream().anyMatch(WebhookSender::internal)) {
                sink.error(new Undeliverable("webhook URL " + INTERNAL));
              } else if (list.isEmpty()) {
                sink.error(new IllegalStateException("no address for " + host));
              } else {
                sink.next(List.copyOf(list));
              }
            });
  }

  /** Why a URL is not acceptable as a webhook, or {@code null} when it is. */
  public static @Nullable String refusal(String url, boolean allowHttp) {
    URI u;
    try {
      u = URI.create(url);
    } catch (IllegalArgumentException e) {
      return "not a URI";
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return allowHttp ? "must be https or http" : "must be https";
    }
    if (u.getHost() == null || u.getHost().isBlank()) {
      return "has no host";
    }
    if (u.getUserInfo() != null) {
      return "must not carry credentials";
    }
    if (!allowHttp && internalTarget(u.getHost())) {
      // LRA systems sit on the government network (private addresses are fine), but a webhook must
      // never make the gateway call itself or a link-local metadata service.
      return INTERNAL;
    }
    return null;
  }

  private static boolean internalTarget(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      return true;
    }
    boolean literal =
        h.startsWith("[") || h.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    if (!literal) {
      return false;
    }
    try {
      return internal(
          InetAddress.getByName(h.replace("[", "").replace("]", ""))); // a literal: no lookup
    } catch (java.net.UnknownHostException e) {
      return true;
    }
  }

  /**
   * Loopback, link-local, unspecified, multicast or broadcast, also behind an IPv4-mapped/NAT64
   * form.
   */
  static boolean internal(InetAddress a) {
    InetAddress v4 = Addresses.embeddedIpv4(a);
    if (v4 != null) {
      return internal(v4);
    }
    byte[] b = a.getAddress();
    boolean broadcast = b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xff;
    boolean thisNetwork =
        b.length == 4
            && b[0] == 0; // 0/8 "this network": never a destination (0.0.0.0 is this host)
    return a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()
        || broadcast
        || thisNetwork;
  }

  @Override
  public Mono<Void> send(OutboxEvent e, int attempt) {
    return outbox
        .settings(e.lraId())
        .mapNotNull(LraNotificationSettings::webhookUrl)
        .switchIfEmpty(Mono.error(new Undeliverable("LRA " + e.lraId() + " has no webhook URL")))
        .flatMap(
            url -> {
              String refused = refusal(url, allowHttp);
              if (refused != null) {
                return Mono.error(new Undeliverable("webhook URL " + refused));
              }
              Instant sentAt = clock.instant();
              byte[] payload = JSON.writeValueAsBytes(envelope(e, sentAt, attempt));
              return signer.sign(payload).flatMap(jws -> post(url, e, sentAt, attempt, jws));
            });
  }

  /** The signed content: the event and its delivery metadata. */
  static ObjectNode envelope(OutboxEvent e, Instant sentAt, int attempt) {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", e.id());
    n.put("type", e.type());
    n.put("lra", e.lraId());
    n.put("seq", e.seq());
    n.put("createdAt", e.createdAt().toString());
    n.put("sentAt", sentAt.toString());
    n.put("attempt", attempt);
    JsonNode data = JSON.readTree(e.payload());
    n.set("data", data);
    return n;
  }

  /** POSTs the signed event (package-private for tests of the connection rules). */
  Mono<Void> post(String url, OutboxEvent e, Instant sentAt, int attempt, String jws) {
    String host = URI.create(url).getHost().toLowerCase(Locale.ROOT);
    return Mono.defer(
            () ->
                http.headers(
                        h ->
                            h.set("Content-Type", MEDIA_TYPE)
                                .set(EVENT_ID, e.id())
                                .set(EVENT_TYPE, e.type())
                                .set(EVENT_SEQ, Long.toString(e.seq()))
                                .set(TIMESTAMP, sentAt.toString())
                                .set(ATTEMPT, Integer.toString(attempt)))
                    .post()
                    .uri(url)
                    .send(
                        Mono.just(Unpooled.wrappedBuffer(jws.getBytes(StandardCharsets.US_ASCII))))
                    .responseSingle(
                        (res, body) -> {
                          int status = res.status().code();
                          return body.then(
                              status >= 200 && status < 300
                                  ? Mono.<Void>empty()
                                  : Mono.<Void>error(
                                      new IllegalStateException(
                                          "HTTP " + status + " from " + host)));
                        }))
        .timeout(timeout)
        .transformDeferred(
            CircuitBreakerOperator.of(breakers.circuitBreaker("lra-webhook:" + host)));
  }
}
