package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.sync.RegistrationJournal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/lra/feed?after=<cursor>&limit=<n>&expiringDays=<d>} on the mutual-TLS
 * listener: the caller LRA's completed requests (issued, revoked, rejected) after the cursor, in
 * commit order, and its unrevoked certificates expiring within {@code expiringDays}. An LRA system
 * polls it and keeps {@code next} as its cursor. The same events can be pushed as signed webhooks
 * ({@link NotificationHandler}).
 */
public final class LraFeedHandler {

  /** The feed path. */
  public static final String FEED = "/api/v1/lra/feed";

  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final int MAX_LIMIT = 1000;

  private final OperatorAuthenticator authenticator;
  private final RegistrationJournal journal;
  private final CallAudit calls;
  private final Clock clock;

  public LraFeedHandler(
      OperatorAuthenticator authenticator,
      RegistrationJournal journal,
      CallAudit calls,
      Clock clock) {
    this.authenticator = authenticator;
    this.journal = journal;
    this.calls = calls;
    this.clock = clock;
  }

  /** The route. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(RequestPredicates.GET(FEED), this::feed);
  }

  Mono<ServerResponse> feed(ServerRequest request) {
    return Mono.fromCallable(
            () ->
                new long[] {
                  number(request, "after", 0, Long.MAX_VALUE, 0),
                  number(request, "limit", 1, MAX_LIMIT, 100),
                  number(request, "expiringDays", 0, 3650, 30)
                })
        .flatMap(
            q ->
                authenticator
                    .authenticate(request, null)
                    .flatMap(
                        caller -> {
                          if (caller.lra() == null) {
                            return Mono.error(
                                new PkiException(
                                    ErrorType.FORBIDDEN, "role: the feed is for LRA operators"));
                          }
                          String lra = caller.lra().id();
                          Instant now = clock.instant();
                          ObjectNode body = JSON.createObjectNode();
                          ArrayNode events = body.putArray("events");
                          ArrayNode expiring = body.putArray("expiring");
                          body.put("next", q[0]);
                          return journal
                              .feed(lra, q[0], (int) q[1])
                              .doOnNext(
                                  e -> {
                                    ObjectNode n = events.addObject();
                                    n.put("seq", e.seq());
                                    n.put(
                                        "event",
                                        e.state().name().equals("REJECTED")
                                            ? "rejected"
                                            : e.kind().name().equals("ISSUE")
                                                ? "issued"
                                                : "revoked");
                                    n.put("request", e.requestId());
                                    n.put("ca", e.caId());
                                    n.put("serial", e.serial());
                                    n.put("error", e.error());
                                    n.put("at", e.completedAt().toString());
                                    body.put("next", e.seq());
                                  })
                              .thenMany(journal.expiring(lra, now, now.plus(Duration.ofDays(q[2]))))
                              .doOnNext(
                                  c ->
                                      expiring
                                          .addObject()
                                          .put("ca", c.issuerCaId())
                                          .put("serial", c.serialHex())
                                          .put("subject", c.subjectDn()))
                              .then(Mono.fromCallable(() -> JSON.writeValueAsBytes(body)));
                        }))
        .flatMap(b -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(b))
        .onErrorResume(e -> calls.refused(request, "LRA_FEED", e));
  }

  private static long number(ServerRequest request, String name, long min, long max, long dflt) {
    String v = request.queryParam(name).orElse(null);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim().toLowerCase(Locale.ROOT));
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw RequestParser.bad(name, "must be a whole number from " + min + " to " + max);
    }
  }
}
