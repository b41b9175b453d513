package io.gpki.gateway.operations;

import io.gpki.gateway.PublicationHold;
import io.gpki.gateway.registration.CallAudit;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.CenterView;
import io.gpki.sync.failover.EpochRecord;
import io.gpki.sync.failover.LeaderLock;
import java.util.HexFormat;
import java.util.List;
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
 * {@code GET /api/v1/operations/center} on the mutual-TLS listener: this center's id, role, epoch
 * (and why it is fenced), whether this replica leads the writers, the replication position (the
 * master's head and the backup's acknowledgement, or the backup's applied sequence and the master's
 * head as last heard: what a failover now would lose), the epoch history with the fork point of
 * every promotion, and its DR protection ("publish only what the backup holds": DR-unprotected, the
 * high-water mark). Any authenticated operator may read it.
 */
public final class CenterHandler {

  /** Path of the center status. */
  public static final String CENTER = "/api/v1/operations/center";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final OperatorAuthenticator authenticator;
  private final CallAudit calls;
  private final CenterState center;
  private final LeaderLock leadership;
  private final PublicationHold hold;
  private final ReplicationPosition replication;

  /**
   * This center's replication position, shown as {@code "replication"} (an empty map: left out).
   */
  @FunctionalInterface
  public interface ReplicationPosition {
    /** The position's fields (names and numbers), in display order. */
    Mono<java.util.Map<String, Object>> read();
  }

  public CenterHandler(
      OperatorAuthenticator authenticator,
      CallAudit calls,
      CenterState center,
      LeaderLock leadership,
      PublicationHold hold,
      ReplicationPosition replication) {
    this.hold = hold;
    this.replication = replication;
    this.authenticator = authenticator;
    this.calls = calls;
    this.center = center;
    this.leadership = leadership;
  }

  /** The routes. */
  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route(RequestPredicates.GET(CENTER), this::status);
  }

  Mono<ServerResponse> status(ServerRequest request) {
    return authenticator
        .authenticate(request, null)
        .flatMap(
            caller ->
                Mono.zip(
                    center.history().collectList(),
                    hold.protection(),
                    replication
                        .read()
                        .onErrorResume(
                            e -> Mono.just(java.util.Map.of("error", e.getClass().getSimpleName())))
                        .defaultIfEmpty(java.util.Map.of())))
        .map(
            t -> {
              ObjectNode b = body(center.view(), leadership.isLeader(), t.getT1());
              protection(b.putObject("drProtection"), t.getT2());
              if (!t.getT3().isEmpty()) {
                b.set("replication", JSON.valueToTree(t.getT3()));
              }
              return b;
            })
        .flatMap(
            b ->
                ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(JSON.writeValueAsBytes(b)))
        .onErrorResume(e -> calls.refused(request, "CENTER", e));
  }

  static void protection(ObjectNode n, PublicationHold.Protection p) {
    n.put("enabled", p.enabled());
    n.put("state", !p.enabled() ? "OFF" : p.unprotected() ? "DR_UNPROTECTED" : "PROTECTED");
    n.put("drUnprotected", p.unprotected());
    n.put("unprotectedHighWater", p.unprotectedHighWater());
    n.put("acknowledgedSeq", p.acknowledgedSeq());
    n.put("unprotectedPublications", p.unprotectedPublications());
    n.put("timeoutMillis", p.timeout().toMillis());
  }

  static ObjectNode body(CenterView v, boolean leader, List<EpochRecord> history) {
    ObjectNode b = JSON.createObjectNode();
    b.put("centerId", v.centerId());
    b.put("role", v.role().name());
    b.put("epoch", v.epoch());
    b.put("writable", v.writable());
    if (v.fencedReason() != null) {
      b.put("fencedReason", v.fencedReason());
    }
    b.put("updatedAt", v.updatedAt().toString());
    b.put("writerLeader", leader);
    ArrayNode epochs = b.putArray("epochHistory");
    for (EpochRecord e : history) {
      ObjectNode n = epochs.addObject();
      n.put("epoch", e.epoch());
      n.put("centerId", e.centerId());
      n.put("kind", e.kind());
      n.put("firstSeq", e.firstSeq());
      if (e.prevLastSeq() != null) {
        n.put("prevLastSeq", e.prevLastSeq());
      }
      if (e.prevChainHash() != null) {
        n.put("prevChainHash", HexFormat.of().formatHex(e.prevChainHash()));
      }
      if (e.requestedBy() != null) {
        n.put("requestedBy", e.requestedBy());
      }
      if (e.approvedBy() != null) {
        n.put("approvedBy", e.approvedBy());
      }
      if (e.reason() != null) {
        n.put("reason", e.reason());
      }
      n.put("startedAt", e.startedAt().toString());
    }
    return b;
  }
}
