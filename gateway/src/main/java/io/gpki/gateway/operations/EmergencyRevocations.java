package io.gpki.gateway.operations;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.JournalEntry;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorApprovals;
import io.gpki.sync.RegistrationCertificateRef;
import io.gpki.sync.RegistrationJournal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Emergency revocation: what it covers, and what its approval releases into the journal (one revoke
 * request per certificate, processed by the journal worker like any other, revocations first).
 */
public final class EmergencyRevocations {

  /** The journal's LRA id for revocations released by an approval. */
  public static final String LRA = "_emergency";

  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final Set<Integer> REASONS = Set.of(1, 2, 4, 5);

  private final RegistrationJournal journal;
  private final OperatorApprovals approvals;
  private final Clock clock;
  private final Runnable wakeWorker;

  public EmergencyRevocations(
      RegistrationJournal journal, OperatorApprovals approvals, Clock clock, Runnable wakeWorker) {
    this.journal = journal;
    this.approvals = approvals;
    this.clock = clock;
    this.wakeWorker = wakeWorker;
  }

  /**
   * What an emergency revocation covers.
   *
   * @param action EMERGENCY_REVOKE_CA or EMERGENCY_REVOKE_CA_KEY
   * @param caId the CA
   * @param generation the key generation (CA_KEY only)
   * @param reason CRLReason for every certificate
   */
  public record Scope(String action, String caId, @Nullable Integer generation, int reason) {

    /** The approval's target string. */
    public String target() {
      return generation == null ? caId : caId + "/g" + generation;
    }

    /** Parses a request body. */
    static Scope parse(JsonNode body, String headerKey) {
      SignedBodies.sameKey(body, headerKey);
      String action = body.path("action").asString("");
      String ca = body.path("ca").asString("");
      if (ca.isBlank()) {
        throw bad("ca", "is required");
      }
      int reason = body.path("reason").asInt(-1);
      if (!REASONS.contains(reason)) {
        throw bad("reason", "must be one of " + REASONS);
      }
      return switch (action) {
        case "EMERGENCY_REVOKE_CA" -> new Scope(action, ca, null, reason);
        case "EMERGENCY_REVOKE_CA_KEY" -> {
          JsonNode g = body.get("keyGeneration");
          if (g == null || !g.isIntegralNumber() || g.asInt() < 1) {
            throw bad("keyGeneration", "is required for EMERGENCY_REVOKE_CA_KEY");
          }
          yield new Scope(action, ca, g.asInt(), reason);
        }
        default -> throw bad("action", "must be EMERGENCY_REVOKE_CA or EMERGENCY_REVOKE_CA_KEY");
      };
    }
  }

  /** Approves and releases the revocations, all in one transaction. */
  Mono<OperatorApproval> approve(
      OperatorApproval a, OperatorAuthenticator.Caller approver, byte[] evidence) {
    Scope scope = Scope.parse(JSON.readTree(a.requestJson()), a.idempotencyKey());
    return release(
        a,
        approver,
        evidence,
        scope.caId(),
        journal.revocableOf(scope.caId(), scope.generation(), clock.instant()),
        scope.reason(),
        scope.action() + " " + scope.target());
  }

  /**
   * Approves {@code a} and, in the same transaction, journals one revoke request per certificate
   * (the worker revokes them, revocations first, and the CRL/ARL follow).
   */
  Mono<OperatorApproval> release(
      OperatorApproval a,
      OperatorAuthenticator.Caller approver,
      byte[] evidence,
      String caId,
      Flux<RegistrationCertificateRef> certificates,
      int reason,
      String what) {
    Instant now = clock.instant();
    return certificates
        .map(c -> entry(a, approver, caId, reason, c, now))
        .collectList()
        .flatMap(
            released ->
                approvals.approve(
                    a.id(),
                    approver.operator().id(),
                    evidence,
                    released,
                    new AuditEvent(
                        "APPROVAL",
                        approver.source(),
                        approver.operator().id(),
                        a.id(),
                        "APPROVED",
                        what
                            + " requested by "
                            + a.requestedBy()
                            + ": "
                            + released.size()
                            + " revocations released")))
        .doOnSuccess(x -> wakeWorker.run());
  }

  private static JournalEntry entry(
      OperatorApproval a,
      OperatorAuthenticator.Caller approver,
      String caId,
      int reason,
      RegistrationCertificateRef c,
      Instant now) {
    String key = "approval:" + a.id() + ":" + c.serialHex();
    String json =
        JSON.createObjectNode()
            .put("type", "revoke")
            .put("idempotencyKey", key.length() > 128 ? key.substring(0, 128) : key)
            .put("ca", caId)
            .put("serial", c.serialHex())
            .put("reason", reason)
            .put("signedAt", now.toString())
            .toString();
    byte[] content = json.getBytes(StandardCharsets.UTF_8);
    return JournalEntry.accepted(
        UUID.randomUUID().toString(),
        LRA,
        approver.operator().id(),
        key,
        JournalEntry.Kind.REVOKE,
        caId,
        json,
        sha256(content),
        null,
        now);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PkiException bad(String field, String message) {
    return new PkiException(ErrorType.BAD_REQUEST, field + ": " + message);
  }
}
