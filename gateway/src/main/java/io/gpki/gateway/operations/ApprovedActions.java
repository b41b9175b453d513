package io.gpki.gateway.operations;

import io.gpki.gateway.BackgroundLoop;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.Certificates;
import io.gpki.gateway.ca.CrossCertification;
import io.gpki.gateway.ca.KeyRollover;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.signer.CrlScope;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import io.gpki.sync.CaWriter;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorApprovals;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.StoreException;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Executes approved CA-critical actions recorded in their approval ({@code execution = PENDING}):
 * CA key generation, key activation, cross-certificate issuance. One at a time, at start (finishing
 * what a crash left) and when an approval wakes it. Crash-safe like the journal: before anything is
 * signed the plan (key generation number, serials) is committed with the {@code SIGNATURE STARTED}
 * audit record; a repeated run reuses that plan, and every step keeps what an earlier run stored,
 * so nothing is signed twice. The result commits with the {@code APPROVAL EXECUTED} (or {@code
 * FAILED}) record.
 */
public final class ApprovedActions {

  private static final Logger LOG = LoggerFactory.getLogger(ApprovedActions.class);
  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final OperatorApprovals approvals;
  private final AuditLog audit;
  private final CaEngine engine;
  private final CrossCertification cross;
  private final CaWriter caWriter;
  private final RepositoryContentSource content;
  private final RepositoryChanges changes;
  private final BackgroundLoop.Wakeup wake = new BackgroundLoop.Wakeup();
  private final @Nullable DrPromotion promotion;
  private final io.gpki.sync.failover.@Nullable CenterState center;

  public ApprovedActions(
      OperatorApprovals approvals,
      AuditLog audit,
      CaEngine engine,
      CrossCertification cross,
      CaWriter caWriter,
      RepositoryContentSource content,
      RepositoryChanges changes) {
    this(approvals, audit, engine, cross, caWriter, content, changes, null, null);
  }

  /**
   * @param promotion executes an approved FAILOVER
   * @param center executes an approved UNFENCE
   */
  public ApprovedActions(
      OperatorApprovals approvals,
      AuditLog audit,
      CaEngine engine,
      CrossCertification cross,
      CaWriter caWriter,
      RepositoryContentSource content,
      RepositoryChanges changes,
      @Nullable DrPromotion promotion,
      io.gpki.sync.failover.@Nullable CenterState center) {
    this.promotion = promotion;
    this.center = center;
    this.approvals = approvals;
    this.audit = audit;
    this.engine = engine;
    this.cross = cross;
    this.caWriter = caWriter;
    this.content = content;
    this.changes = changes;
  }

  /** Asks the executor to look for work now. Never blocks, never fails. */
  public void wake() {
    wake.wake();
  }

  /** Starts the executor: at once, on every wake, and every {@code poll}. */
  public Disposable start(Duration poll) {
    return BackgroundLoop.start(
        "approved-action executor",
        Flux.merge(BackgroundLoop.every(poll), wake.signals()),
        this::drain);
  }

  /** Executes every pending approved action, oldest first. */
  Mono<Void> drain() {
    return approvals
        .toExecute(16)
        .concatMap(this::execute)
        .then()
        .onErrorResume(
            e -> {
              LOG.warn("approved-action round failed; will retry: {}", e.toString());
              return Mono.empty();
            });
  }

  /**
   * Executes one approved action; emits the approval as it stands afterwards (or nothing, to
   * retry).
   */
  Mono<OperatorApproval> execute(OperatorApproval a) {
    String actor = a.approvedBy() == null ? "system" : a.approvedBy();
    return Mono.fromCallable(
            () -> CaAction.parse(JSON.readTree(a.requestJson()), a.idempotencyKey()))
        .flatMap(
            action ->
                run(a, action, actor)
                    .flatMap(
                        result ->
                            approvals.executed(
                                a.id(),
                                true,
                                result,
                                new AuditEvent(
                                    "APPROVAL",
                                    "operations",
                                    actor,
                                    a.id(),
                                    "EXECUTED",
                                    action.action() + " " + a.target() + ": " + result))))
        .onErrorResume(
            e -> {
              if (permanent(e)) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                return approvals.executed(
                    a.id(),
                    false,
                    why,
                    new AuditEvent(
                        "APPROVAL",
                        "operations",
                        actor,
                        a.id(),
                        "FAILED",
                        a.action() + " " + a.target() + ": " + why));
              }
              LOG.warn("approved action {} not executed yet, will retry: {}", a.id(), e.toString());
              return Mono.empty();
            });
  }

  private Mono<String> run(OperatorApproval a, CaAction action, String actor) {
    if (action instanceof CaAction.KeyGenerate g) {
      return generate(a, g, actor);
    }
    if (action instanceof CaAction.KeyActivate k) {
      return caWriter
          .activateKeyGeneration(k.caId(), k.generation())
          .doOnSuccess(
              ca -> {
                changes.changed();
                changes.listNeeded(k.caId(), CrlScope.CRL);
                changes.listNeeded(k.caId(), CrlScope.ARL);
              })
          .map(
              ca ->
                  "key generation "
                      + ca.currentGeneration()
                      + " ("
                      + CaEngine.keyId(ca.id(), ca.currentGeneration())
                      + ") signs new certificates and lists of "
                      + ca.id());
    }
    if (action instanceof CaAction.CrossIssue x) {
      return crossIssue(a, x, actor);
    }
    if (action instanceof CaAction.Failover f && promotion != null) {
      return audit
          .append(
              new AuditEvent(
                  "CENTER",
                  "operations",
                  actor,
                  a.target(),
                  "FAILOVER STARTED",
                  f.summary() + "; requested by " + a.requestedBy()))
          .then(
              promotion.failover(
                  a.requestedBy(), actor, f.reason() + " | master withdrawn: " + f.attestation()))
          .map(DrPromotion.Result::summary);
    }
    if (action instanceof CaAction.Switchover sw && center != null) {
      io.gpki.sync.failover.CenterView v = center.view();
      boolean handing =
          v.role() == io.gpki.sync.failover.CenterRole.MASTER
              // a demotion whose transaction failed: fenced in memory, still MASTER on disk
              || String.valueOf(v.fencedReason()).startsWith("handing over to " + sw.target());
      if (!a.target().equals(CaActionApprovals.switchoverTarget(v, sw.target())) || !handing) {
        // Not for this center now: the target (which holds a replicated copy of the approval) or
        // this center after it handed over. The new master records the execution (takeOver).
        return Mono.empty();
      }
      return audit
          .append(
              new AuditEvent(
                  "CENTER",
                  "operations",
                  actor,
                  a.target(),
                  "SWITCHOVER STARTED",
                  sw.summary() + "; requested by " + a.requestedBy()))
          .then(center.demote(sw.target(), a.id(), a.requestedBy(), actor))
          .map(t -> "handed over: " + t.summary());
    }
    if (action instanceof CaAction.Unfence u && center != null) {
      return center
          .unfence(a.requestedBy(), actor, u.reason())
          .map(v -> "center " + v.centerId() + " is " + v.role() + " again at epoch " + v.epoch());
    }
    return Mono.error(new IllegalArgumentException(action.action() + " is not executed here"));
  }

  /**
   * At the switchover's target, when the old master's demotion token arrived over the replication
   * stream: promotes this center (epoch + 1, lists republished, OCSP refreshed, writers opened),
   * then records the switchover approval as executed (the old master could not: it stopped writing
   * before). Idempotent for one token.
   */
  public Mono<String> takeOver(io.gpki.sync.DemotionToken token) {
    if (promotion == null) {
      return Mono.error(new IllegalStateException("no promotion configured at this node"));
    }
    return promotion
        .switchover(token)
        .map(DrPromotion.Result::summary)
        .flatMap(
            summary ->
                approvals
                    .executed(
                        token.approvalId(),
                        true,
                        summary + "; " + token.summary(),
                        new AuditEvent(
                            "APPROVAL",
                            "operations",
                            token.approvedBy(),
                            token.approvalId(),
                            "EXECUTED",
                            "SWITCHOVER " + token.summary() + ": " + summary))
                    .thenReturn(summary)
                    .onErrorResume(
                        StoreException.NotFound.class,
                        e -> {
                          LOG.warn(
                              "switchover approval {} is not on record here as pending: {}",
                              token.approvalId(),
                              e.getMessage());
                          return Mono.just(summary);
                        }));
  }

  private Mono<String> generate(OperatorApproval a, CaAction.KeyGenerate g, String actor) {
    KeyRollover rollover = engine.keyRollover();
    Mono<String> planned =
        a.plan() != null ? Mono.just(a.plan()) : rollover.plan(g.caId()).map(ApprovedActions::json);
    return planned
        .flatMap(
            json ->
                reserve(
                    a,
                    json,
                    actor,
                    g.caId() + "/g" + read(json).generation(),
                    "new key "
                        + CaEngine.keyId(g.caId(), read(json).generation())
                        + ", self-signed and link certificates"))
        .map(ApprovedActions::read)
        .flatMap(
            plan -> rollover.prepare(g.caId(), plan, g.spec(), Duration.ofDays(g.validityDays())))
        .map(
            r ->
                "key generation "
                    + r.newKey().generation()
                    + " ("
                    + r.newKey().keyId()
                    + ") prepared, not active:"
                    + " self-signed "
                    + r.selfSigned().serialHex()
                    + ", old-with-new "
                    + r.oldWithNew().serialHex()
                    + ", new-with-old "
                    + r.newWithOld().serialHex());
  }

  private Mono<String> crossIssue(OperatorApproval a, CaAction.CrossIssue x, String actor) {
    String planned =
        a.plan() != null
            ? a.plan()
            : JSON.createObjectNode()
                .put("serial", Certificates.hex(Certificates.randomSerial()))
                .toString();
    return content
        .load()
        .map(c -> CaActionApprovals.subjectCa(c, x).id())
        .flatMap(
            peer ->
                reserve(
                        a,
                        planned,
                        actor,
                        x.caId() + "/" + JSON.readTree(planned).get("serial").asString(),
                        "cross-certificate to " + peer)
                    .flatMap(
                        json ->
                            cross.issue(
                                x.caId(),
                                peer,
                                Certificate.getInstance(x.subjectCertificate()),
                                terms(x),
                                new BigInteger(JSON.readTree(json).get("serial").asString(), 16))))
        .map(
            c ->
                "cross-certificate "
                    + c.issuerCaId()
                    + "/"
                    + c.serialHex()
                    + " to "
                    + c.subjectCaId()
                    + " stored in pairs "
                    + c.issuerCaId()
                    + "-"
                    + c.subjectCaId()
                    + " and "
                    + c.subjectCaId()
                    + "-"
                    + c.issuerCaId());
  }

  /**
   * Commits the plan with the audit record before the signatures; on a retry the stored plan wins
   * and the record is written again (as the journal worker does).
   */
  private Mono<String> reserve(
      OperatorApproval a, String json, String actor, String object, String what) {
    AuditEvent before =
        new AuditEvent(
            "SIGNATURE",
            "operations",
            actor,
            object,
            "STARTED",
            what + " for approval " + a.id() + ": " + json);
    return a.plan() == null
        ? approvals.plan(a.id(), json, before)
        : audit.append(before).thenReturn(a.plan());
  }

  private static CrossCertification.Terms terms(CaAction.CrossIssue x) {
    NameConstraints nc =
        x.permittedSubtrees().isEmpty() && x.excludedSubtrees().isEmpty()
            ? null
            : new NameConstraints(subtrees(x.permittedSubtrees()), subtrees(x.excludedSubtrees()));
    return new CrossCertification.Terms(
        x.policies(),
        x.mappings(),
        x.pathLength(),
        x.requireExplicitPolicy(),
        x.inhibitPolicyMapping(),
        nc,
        Duration.ofDays(x.validityDays()));
  }

  private static GeneralSubtree @Nullable [] subtrees(List<String> names) {
    if (names.isEmpty()) {
      return null;
    }
    return names.stream()
        .map(
            n ->
                new GeneralSubtree(
                    new GeneralName(X500Name.getInstance(new X500Principal(n).getEncoded()))))
        .toArray(GeneralSubtree[]::new);
  }

  static String json(KeyRollover.Plan p) {
    return JSON.createObjectNode()
        .put("from", p.fromGeneration())
        .put("generation", p.generation())
        .put("selfSigned", Certificates.hex(p.selfSigned()))
        .put("oldWithNew", Certificates.hex(p.oldWithNew()))
        .put("newWithOld", Certificates.hex(p.newWithOld()))
        .put("linksNotAfter", p.linksNotAfter().toString())
        .toString();
  }

  static KeyRollover.Plan read(String json) {
    JsonNode n = JSON.readTree(json);
    return new KeyRollover.Plan(
        n.get("from").asInt(),
        n.get("generation").asInt(),
        new BigInteger(n.get("selfSigned").asString(), 16),
        new BigInteger(n.get("oldWithNew").asString(), 16),
        new BigInteger(n.get("newWithOld").asString(), 16),
        Instant.parse(n.get("linksNotAfter").asString()));
  }

  private static boolean permanent(Throwable e) {
    return (e instanceof PkiException p && p.type().status() < 500)
        || e instanceof StoreException.NotFound
        || e instanceof StoreException.Conflict
        || e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof io.gpki.sync.failover.FailoverException;
  }
}
