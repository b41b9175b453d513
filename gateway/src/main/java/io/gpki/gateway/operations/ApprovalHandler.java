package io.gpki.gateway.operations;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.registration.CallAudit;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.OperatorRole;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.gateway.registration.SignedRequests;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorApprovals;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.http.HttpStatus;
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
import tools.jackson.databind.node.ObjectNode;

/**
 * Two-person control on the mutual-TLS listener. {@code POST /api/v1/operations/approvals} asks for
 * a CA-critical action: emergency revocation (every certificate of a CA, or of one CA key
 * generation), CA key generation or activation, cross-certificate issuance or revocation, and the
 * center's {@code FAILOVER} (at a backup) and {@code UNFENCE} (at a fenced center). A different
 * senior operator (or an operations manager) approves it with {@code POST
 * .../approvals/{id}/approve} before it expires; only then is the work released, in the approval's
 * transaction: revocations as journal rows for the worker, the rest recorded in the approval for
 * {@link ApprovedActions}. Both bodies are signed CMS.
 */
public final class ApprovalHandler {

  /** Path of the approval collection. */
  public static final String APPROVALS = "/api/v1/operations/approvals";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final SignedBodies bodies;
  private final OperatorAuthenticator authenticator;
  private final OperatorApprovals approvals;
  private final EmergencyRevocations emergency;
  private final CallAudit calls;
  private final Clock clock;
  private final Duration ttl;
  private final CaActionApprovals actions;

  /**
   * @param content the repository content the CA actions are checked against
   * @param certificates the stored certificates the CA actions name
   * @param wakeExecutor wakes {@link ApprovedActions} after an approval
   */
  public ApprovalHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      OperatorApprovals approvals,
      EmergencyRevocations emergency,
      CallAudit calls,
      Clock clock,
      Duration ttl,
      RepositoryContentSource content,
      CertificateLookup certificates,
      Runnable wakeExecutor,
      io.gpki.sync.failover.CenterState center) {
    this.actions =
        new CaActionApprovals(content, certificates, approvals, emergency, wakeExecutor, center);
    this.bodies = bodies;
    this.authenticator = authenticator;
    this.approvals = approvals;
    this.emergency = emergency;
    this.calls = calls;
    this.clock = clock;
    this.ttl = ttl;
  }

  /** The routes. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(RequestPredicates.POST(APPROVALS), this::request)
        .andRoute(RequestPredicates.POST(APPROVALS + "/{id}/approve"), this::approve)
        .andRoute(RequestPredicates.GET(APPROVALS + "/{id}"), this::show);
  }

  Mono<ServerResponse> request(ServerRequest request) {
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
                                      requireRole(caller, OperatorRole.SENIOR_CA_OPERATOR);
                                      return parse(json(signed), key)
                                          .flatMap(
                                              p -> {
                                                Instant now = clock.instant();
                                                OperatorApproval a =
                                                    OperatorApproval.requested(
                                                        UUID.randomUUID().toString(),
                                                        p.action(),
                                                        p.target(),
                                                        new String(
                                                            signed.content(),
                                                            StandardCharsets.UTF_8),
                                                        caller.operator().id(),
                                                        now,
                                                        now.plus(ttl),
                                                        key);
                                                return approvals.request(
                                                    a,
                                                    signed.der(),
                                                    new AuditEvent(
                                                        "APPROVAL",
                                                        caller.source(),
                                                        caller.operator().id(),
                                                        a.id(),
                                                        "REQUESTED",
                                                        p.action()
                                                            + " "
                                                            + p.target()
                                                            + ": "
                                                            + p.summary()
                                                            + "; expires "
                                                            + a.expiresAt()));
                                              });
                                    })))
        .flatMap(a -> respond(HttpStatus.ACCEPTED, a))
        .onErrorResume(e -> calls.refused(request, "APPROVAL", e));
  }

  Mono<ServerResponse> approve(ServerRequest request) {
    String id = request.pathVariable("id");
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
                                      if (!caller
                                          .operator()
                                          .roles()
                                          .contains(OperatorRole.OPERATIONS_MANAGER.name())) {
                                        requireRole(caller, OperatorRole.SENIOR_CA_OPERATOR);
                                      }
                                      JsonNode body = json(signed);
                                      if (body.get("approve") == null
                                          || !id.equals(body.get("approve").asString())) {
                                        throw new PkiException(
                                            ErrorType.BAD_REQUEST,
                                            "approve: the signed body must name approval " + id);
                                      }
                                      return approvals
                                          .approval(id)
                                          .switchIfEmpty(
                                              Mono.error(
                                                  new PkiException(
                                                      ErrorType.NOT_FOUND,
                                                      "no approval request " + id)))
                                          .flatMap(
                                              a ->
                                                  a.action().startsWith("EMERGENCY_")
                                                      ? emergency.approve(a, caller, signed.der())
                                                      : actions.approve(
                                                          a,
                                                          CaAction.parse(
                                                              JSON.readTree(a.requestJson()),
                                                              a.idempotencyKey()),
                                                          caller,
                                                          signed.der()));
                                    })))
        .flatMap(a -> respond(HttpStatus.OK, a))
        .onErrorMap(
            StoreException.Conflict.class,
            e -> new PkiException(ErrorType.CONFLICT, String.valueOf(e.getMessage())))
        .onErrorResume(e -> calls.refused(request, "APPROVAL", e));
  }

  Mono<ServerResponse> show(ServerRequest request) {
    return authenticator
        .authenticate(request, null)
        .flatMap(caller -> approvals.approval(request.pathVariable("id")))
        .switchIfEmpty(Mono.error(new PkiException(ErrorType.NOT_FOUND, "no approval request")))
        .flatMap(a -> respond(HttpStatus.OK, a))
        .onErrorResume(e -> calls.refused(request, "APPROVAL", e));
  }

  /** What a request asks for, checked. */
  private record Parsed(String action, String target, String summary) {}

  private Mono<Parsed> parse(JsonNode body, String key) {
    String action = body.path("action").asString("");
    if (action.startsWith("EMERGENCY_")) {
      EmergencyRevocations.Scope scope = EmergencyRevocations.Scope.parse(body, key);
      return Mono.just(new Parsed(scope.action(), scope.target(), "reason " + scope.reason()));
    }
    CaAction a = CaAction.parse(body, key);
    return actions.check(a).map(target -> new Parsed(a.action(), target, a.summary()));
  }

  private static void requireRole(OperatorAuthenticator.Caller caller, OperatorRole role) {
    if (!caller.operator().roles().contains(role.name())) {
      throw new PkiException(ErrorType.FORBIDDEN, "role: this action needs " + role);
    }
  }

  private static JsonNode json(SignedRequests.Verified signed) {
    try {
      JsonNode n = JSON.readTree(signed.content());
      if (n == null || !n.isObject()) {
        throw new PkiException(
            ErrorType.BAD_REQUEST, "body: the signed content must be a JSON object");
      }
      return n;
    } catch (JacksonException e) {
      throw new PkiException(ErrorType.BAD_REQUEST, "body: the signed content is not JSON");
    }
  }

  private static Mono<ServerResponse> respond(HttpStatus status, OperatorApproval a) {
    ObjectNode b = JSON.createObjectNode();
    b.put("id", a.id());
    b.put("action", a.action());
    b.put("target", a.target());
    b.put("state", a.state());
    b.put("requestedBy", a.requestedBy());
    b.put("expiresAt", a.expiresAt().toString());
    if (a.approvedBy() != null) {
      b.put("approvedBy", a.approvedBy());
    }
    if (a.execution() != null) {
      b.put("execution", a.execution());
    }
    if (a.result() != null) {
      b.put("result", a.result());
    }
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(JSON.writeValueAsBytes(b));
  }
}
