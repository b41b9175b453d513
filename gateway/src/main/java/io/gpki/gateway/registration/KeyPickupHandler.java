package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.RegistrationJournal;
import io.gpki.sync.ServerKeyStore;
import io.gpki.sync.StoreException;
import java.util.Base64;
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
 * Pickup of a server-generated key on the mutual-TLS listener: {@code POST
 * /api/v1/lra/requests/{id}/pkcs12} by an operator of the request's LRA, once the certificate is
 * issued. Answers the encrypted PKCS#12 (the key; the secret came in the 202) with the certificate,
 * exactly once: the store clears the PKCS#12 in the transaction that audits {@code KEY_DELIVERED}.
 */
public final class KeyPickupHandler {

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final OperatorAuthenticator authenticator;
  private final RegistrationJournal journal;
  private final ServerKeyStore keys;
  private final CertificateLookup certificates;
  private final CallAudit calls;

  public KeyPickupHandler(
      OperatorAuthenticator authenticator,
      RegistrationJournal journal,
      ServerKeyStore keys,
      CertificateLookup certificates,
      CallAudit calls) {
    this.authenticator = authenticator;
    this.journal = journal;
    this.keys = keys;
    this.certificates = certificates;
    this.calls = calls;
  }

  /** The pickup path of a request. */
  public static String path(String requestId) {
    return LraHandler.REQUESTS + "/" + requestId + "/pkcs12";
  }

  /** Whether a journal entry asked the gateway to generate the key. */
  static boolean serverKeyRequest(JournalEntry e) {
    return e.kind() == JournalEntry.Kind.ISSUE
        && JSON.readTree(e.requestJson()).hasNonNull("keyGeneration");
  }

  /** The route. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(
        RequestPredicates.POST(LraHandler.REQUESTS + "/{id}/pkcs12"), this::pickup);
  }

  Mono<ServerResponse> pickup(ServerRequest request) {
    String id = request.pathVariable("id");
    return authenticator
        .authenticate(request, null)
        .flatMap(
            caller -> {
              if (caller.lra() == null
                  || !caller.operator().roles().contains(OperatorRole.LRA_OPERATOR.name())) {
                return Mono.error(
                    new PkiException(
                        ErrorType.FORBIDDEN, "role: key pickup needs an LRA operator"));
              }
              String lraId = caller.lra().id();
              return journal
                  .find(id)
                  .filter(e -> e.lraId().equals(lraId) && serverKeyRequest(e))
                  .switchIfEmpty(
                      Mono.error(
                          new PkiException(
                              ErrorType.NOT_FOUND,
                              "id: no request " + id + " with a server-generated key")))
                  .flatMap(e -> deliver(e, caller));
            })
        .onErrorResume(e -> calls.refused(request, "KEY_DELIVERY", e));
  }

  private Mono<ServerResponse> deliver(JournalEntry e, OperatorAuthenticator.Caller caller) {
    if (e.state() != JournalEntry.State.DONE || e.resultSerial() == null) {
      return Mono.error(
          new PkiException(
              ErrorType.CONFLICT,
              "state: request "
                  + e.id()
                  + " is "
                  + e.state()
                  + (e.state() == JournalEntry.State.ACCEPTED
                      ? "; pick the key up once the certificate is issued"
                      : "; its key was discarded")));
    }
    String serial = e.resultSerial();
    return certificates
        .find(e.caId(), serial)
        .switchIfEmpty(
            Mono.error(
                new IllegalStateException(
                    "certificate " + serial + " of " + e.caId() + " missing")))
        .flatMap(
            cert ->
                keys.deliver(
                        e.id(),
                        caller.operator().id(),
                        new AuditEvent(
                            "KEY_DELIVERED",
                            caller.source(),
                            caller.operator().id(),
                            e.id(),
                            "DONE",
                            "encrypted PKCS#12 of the key certified in "
                                + e.caId()
                                + "/"
                                + serial
                                + " handed out and deleted"))
                    .onErrorMap(
                        StoreException.Conflict.class,
                        x -> new PkiException(ErrorType.CONFLICT, "pkcs12: " + x.getMessage()))
                    .map(
                        p12 -> {
                          ObjectNode body = JSON.createObjectNode();
                          body.put("id", e.id());
                          body.put("serial", serial);
                          body.put("pkcs12", Base64.getEncoder().encodeToString(p12));
                          body.put("certificate", Base64.getEncoder().encodeToString(cert.der()));
                          body.put(
                              "note",
                              "the PKCS#12 holds the private key, encrypted to the one-time secret"
                                  + " of the 202 answer; it is deleted here and cannot be picked up again");
                          return body;
                        }))
        .flatMap(
            b ->
                ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(JSON.writeValueAsBytes(b)));
  }
}
