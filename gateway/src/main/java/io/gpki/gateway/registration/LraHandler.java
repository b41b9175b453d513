package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.JournalAcceptance;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.RegistrationJournal;
import io.gpki.sync.ServerKeyStore;
import java.net.URI;
import java.util.Base64;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The LRA API on the mutual-TLS listener: {@code POST /api/v1/lra/requests} (signed issue or
 * revoke, 202 once durable) and {@code GET /api/v1/lra/requests/{id}} (status; the certificate once
 * issued).
 */
public final class LraHandler {

  /** Path of the request collection. */
  public static final String REQUESTS = "/api/v1/lra/requests";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final SignedBodies bodies;
  private final OperatorAuthenticator authenticator;
  private final RequestParser parser;
  private final LraIntake intake;
  private final RegistrationJournal journal;
  private final CertificateLookup certificates;
  private final CallAudit calls;
  private final ServerKeyStore serverKeys;

  public LraHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      RequestParser parser,
      LraIntake intake,
      RegistrationJournal journal,
      CertificateLookup certificates,
      CallAudit calls,
      ServerKeyStore serverKeys) {
    this.serverKeys = serverKeys;
    this.bodies = bodies;
    this.authenticator = authenticator;
    this.parser = parser;
    this.intake = intake;
    this.journal = journal;
    this.certificates = certificates;
    this.calls = calls;
  }

  /** The routes. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(RequestPredicates.POST(REQUESTS), this::submit)
        .andRoute(RequestPredicates.GET(REQUESTS + "/{id}"), this::status);
  }

  Mono<ServerResponse> submit(ServerRequest request) {
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
                                    caller ->
                                        intake.accept(
                                            caller, parser.parse(signed.content()), signed, key))))
        .flatMap(this::accepted)
        .onErrorResume(e -> calls.refused(request, "LRA_REQUEST", e));
  }

  private Mono<ServerResponse> accepted(LraIntake.Accepted accepted) {
    JournalAcceptance a = accepted.acceptance();
    JournalEntry e = a.entry();
    ObjectNode body = JSON.createObjectNode();
    body.put("id", e.id());
    body.put("state", "ACCEPTED");
    body.put("type", e.kind().name().toLowerCase(java.util.Locale.ROOT));
    body.put("acceptedAt", e.acceptedAt().toString());
    body.put("status", REQUESTS + "/" + e.id());
    if (accepted.secret() != null) {
      // The one-time secret of the generated key's PKCS#12: in this answer only, never stored.
      body.put("keySecret", accepted.secret());
      body.put("pkcs12", KeyPickupHandler.path(e.id()));
    } else if (KeyPickupHandler.serverKeyRequest(e)) {
      body.put("keySecret", "already delivered in the first answer to this request");
      body.put("pkcs12", KeyPickupHandler.path(e.id()));
    }
    // The first answer, whatever state the request is in now: a repeat never acts twice.
    return ServerResponse.status(HttpStatus.ACCEPTED)
        .location(URI.create(REQUESTS + "/" + e.id()))
        .header("Idempotent-Replayed", Boolean.toString(a.repeat()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(JSON.writeValueAsBytes(body));
  }

  Mono<ServerResponse> status(ServerRequest request) {
    String id = request.pathVariable("id");
    return authenticator
        .authenticate(request, null)
        .flatMap(
            caller ->
                journal
                    .find(id)
                    .filter(e -> caller.lra() != null && e.lraId().equals(caller.lra().id()))
                    .switchIfEmpty(
                        Mono.error(new PkiException(ErrorType.NOT_FOUND, "no request " + id))))
        .flatMap(this::render)
        .onErrorResume(e -> calls.refused(request, "LRA_STATUS", e));
  }

  private Mono<ServerResponse> render(JournalEntry e) {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", e.id());
    body.put("type", e.kind().name().toLowerCase(java.util.Locale.ROOT));
    body.put("ca", e.caId());
    body.put("state", e.state().name());
    body.put("acceptedAt", e.acceptedAt().toString());
    if (e.completedAt() != null) {
      body.put("completedAt", e.completedAt().toString());
    }
    if (e.resultSerial() != null) {
      body.put("serial", e.resultSerial());
    }
    if (e.error() != null) {
      body.put("error", e.error());
    }
    Mono<ObjectNode> full =
        e.kind() == JournalEntry.Kind.ISSUE
                && e.state() == JournalEntry.State.DONE
                && e.resultSerial() != null
            ? certificates
                .find(e.caId(), e.resultSerial())
                .map(c -> body.put("certificate", Base64.getEncoder().encodeToString(c.der())))
                .defaultIfEmpty(body)
            : Mono.just(body);
    if (KeyPickupHandler.serverKeyRequest(e)) {
      // Where the generated key stands; never the secret (it was in the first 202 only).
      full =
          full.flatMap(
              b ->
                  serverKeys
                      .generatedKey(e.id())
                      .map(
                          k -> {
                            ObjectNode key = b.putObject("serverKey");
                            key.put("algorithm", k.algorithm());
                            key.put("pkcs12", KeyPickupHandler.path(e.id()));
                            key.put(
                                "state",
                                k.available()
                                    ? "WAITING_FOR_PICKUP"
                                    : k.deliveredAt() != null ? "DELIVERED" : "DISCARDED");
                            if (k.deliveredAt() != null) {
                              key.put("deliveredAt", k.deliveredAt().toString());
                              key.put("deliveredBy", String.valueOf(k.deliveredBy()));
                            }
                            return b;
                          })
                      .defaultIfEmpty(b));
    }
    return full.flatMap(
        b ->
            ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(JSON.writeValueAsBytes(b)));
  }
}
