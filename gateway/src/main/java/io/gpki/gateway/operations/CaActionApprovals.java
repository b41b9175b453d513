package io.gpki.gateway.operations;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorApprovals;
import io.gpki.sync.RegistrationCertificateRef;
import io.gpki.sync.RepositoryContent;
import io.gpki.sync.RepositoryContentSource;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.CenterView;
import java.util.Arrays;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extensions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Two-person control of CA key generation and activation and of cross-certificate issuance and
 * revocation: what the repository must hold for a request to be stored (its approval target), and
 * what an approval does. Revocation releases a journal row like emergency revocation; the other
 * actions are recorded in the approval itself ({@code execution = PENDING}) for {@link
 * ApprovedActions}.
 */
final class CaActionApprovals {

  private final RepositoryContentSource content;
  private final CertificateLookup certificates;
  private final OperatorApprovals approvals;
  private final EmergencyRevocations revocations;
  private final Runnable wakeExecutor;
  private final CenterState center;

  CaActionApprovals(
      RepositoryContentSource content,
      CertificateLookup certificates,
      OperatorApprovals approvals,
      EmergencyRevocations revocations,
      Runnable wakeExecutor,
      CenterState center) {
    this.center = center;
    this.content = content;
    this.certificates = certificates;
    this.approvals = approvals;
    this.revocations = revocations;
    this.wakeExecutor = wakeExecutor;
  }

  /** Checks the request against the repository; emits the approval's target. */
  Mono<String> check(CaAction action) {
    CenterView v = center.view();
    if (action instanceof CaAction.Failover) {
      if (v.role() != CenterRole.BACKUP) {
        return Mono.error(
            new PkiException(
                ErrorType.CONFLICT,
                "action: FAILOVER promotes a BACKUP center; center "
                    + v.centerId()
                    + " is "
                    + v.role()
                    + " at epoch "
                    + v.epoch()));
      }
      return Mono.just(v.centerId() + "/epoch-" + (v.epoch() + 1));
    }
    if (action instanceof CaAction.Switchover sw) {
      if (v.role() != CenterRole.MASTER) {
        return Mono.error(
            new PkiException(
                ErrorType.CONFLICT,
                "action: SWITCHOVER is requested at the MASTER center; center "
                    + v.centerId()
                    + " is "
                    + v.role()
                    + " at epoch "
                    + v.epoch()));
      }
      if (sw.target().equals(v.centerId())) {
        return Mono.error(
            new PkiException(
                ErrorType.BAD_REQUEST, "target: a center does not hand over to itself"));
      }
      return Mono.just(switchoverTarget(v, sw.target()));
    }
    if (action instanceof CaAction.Unfence) {
      if (v.role() != CenterRole.FENCED) {
        return Mono.error(
            new PkiException(
                ErrorType.CONFLICT,
                "action: UNFENCE is for a FENCED center; center "
                    + v.centerId()
                    + " is "
                    + v.role()));
      }
      return Mono.just(v.centerId() + "/unfence-epoch-" + v.epoch());
    }
    if (!v.writable()) {
      return Mono.error(
          new PkiException(
              ErrorType.CONFLICT,
              "action: center "
                  + v.centerId()
                  + " is "
                  + v.role()
                  + "; CA actions are requested at the master center"));
    }
    return content
        .load()
        .flatMap(
            c -> {
              CaRecord ca =
                  c.cas().stream()
                      .filter(x -> x.id().equals(action.caId()))
                      .findFirst()
                      .orElseThrow(
                          () ->
                              new PkiException(ErrorType.NOT_FOUND, "ca: no CA " + action.caId()));
              if (action instanceof CaAction.KeyGenerate) {
                if (ca.role().equals("EXTERNAL")) {
                  throw new PkiException(
                      ErrorType.CONFLICT,
                      "ca: " + ca.id() + " is an external CA; its keys are not ours");
                }
                if (!hasSelfSigned(c, ca.id(), ca.currentGeneration())) {
                  throw new PkiException(
                      ErrorType.CONFLICT,
                      "ca: "
                          + ca.id()
                          + " is not a self-signed CA; a new"
                          + " certificate from its issuer is not implemented here");
                }
                return Mono.just(ca.id() + "/new-key");
              }
              if (action instanceof CaAction.KeyActivate a) {
                if (c.keys().stream()
                        .noneMatch(
                            k -> k.caId().equals(ca.id()) && k.generation() == a.generation())
                    || !hasSelfSigned(c, ca.id(), a.generation())) {
                  throw new PkiException(
                      ErrorType.NOT_FOUND,
                      "keyGeneration: "
                          + ca.id()
                          + " has no prepared key"
                          + " generation "
                          + a.generation()
                          + " (CA_KEY_GENERATE first)");
                }
                return Mono.just(ca.id() + "/g" + a.generation());
              }
              if (action instanceof CaAction.CrossIssue x) {
                if (!ca.role().equals("BRIDGE")) {
                  throw new PkiException(
                      ErrorType.CONFLICT, "ca: cross-certificates are issued by the bridge CA");
                }
                return Mono.just(ca.id() + "->" + subjectCa(c, x).id());
              }
              CaAction.CrossRevoke r = (CaAction.CrossRevoke) action;
              return certificates
                  .find(ca.id(), r.serialHex())
                  .filter(cert -> cert.kind() == CertificateKind.CROSS)
                  .switchIfEmpty(
                      Mono.error(
                          new PkiException(
                              ErrorType.NOT_FOUND,
                              "serial: "
                                  + ca.id()
                                  + " issued no"
                                  + " cross-certificate "
                                  + r.serialHex())))
                  .map(cert -> ca.id() + "/" + r.serialHex());
            });
  }

  /**
   * The approval's target of a switchover: the handing center and epoch, so that only that center,
   * while MASTER at that epoch, executes it (the approval replicates to the target, which must
   * not).
   */
  static String switchoverTarget(CenterView v, String target) {
    return v.centerId() + "/epoch-" + v.epoch() + "/switchover-to-" + target;
  }

  /**
   * The repository's CA whose certificate the request presents (a CA certificate, not the
   * issuer's).
   */
  static CaRecord subjectCa(RepositoryContent c, CaAction.CrossIssue x) {
    Certificate cert = Certificate.getInstance(x.subjectCertificate());
    Extensions ext = cert.getTBSCertificate().getExtensions();
    BasicConstraints bc = ext == null ? null : BasicConstraints.fromExtensions(ext);
    if (bc == null || !bc.isCA()) {
      throw new PkiException(ErrorType.BAD_REQUEST, "subjectCertificate: not a CA certificate");
    }
    byte[] subject = io.gpki.gateway.ca.Certificates.der(cert.getSubject());
    CaRecord peer =
        c.cas().stream()
            .filter(ca -> Arrays.equals(ca.subjectDer(), subject))
            .findFirst()
            .orElseThrow(
                () ->
                    new PkiException(
                        ErrorType.NOT_FOUND,
                        "subjectCertificate: its subject is no CA of the"
                            + " repository; register the external CA first"));
    if (peer.id().equals(x.caId())) {
      throw new PkiException(
          ErrorType.BAD_REQUEST, "subjectCertificate: the issuer's own certificate");
    }
    return peer;
  }

  private static boolean hasSelfSigned(RepositoryContent c, String caId, int generation) {
    return c.caCertificates().stream()
        .anyMatch(
            x ->
                x.kind() == CertificateKind.SELF_SIGNED
                    && x.issuerCaId().equals(caId)
                    && x.issuerGeneration() == generation);
  }

  /**
   * Approves: releases the revocation, or records the work for the executor; one transaction each.
   */
  Mono<OperatorApproval> approve(
      OperatorApproval a, CaAction action, OperatorAuthenticator.Caller approver, byte[] evidence) {
    if (action instanceof CaAction.CrossRevoke r) {
      return revocations.release(
          a,
          approver,
          evidence,
          r.caId(),
          Flux.just(new RegistrationCertificateRef(r.caId(), r.serialHex(), "")),
          r.reason(),
          action.action() + " " + a.target());
    }
    return approvals
        .approveForExecution(
            a.id(),
            approver.operator().id(),
            evidence,
            new AuditEvent(
                "APPROVAL",
                approver.source(),
                approver.operator().id(),
                a.id(),
                "APPROVED",
                action.action()
                    + " "
                    + a.target()
                    + " requested by "
                    + a.requestedBy()
                    + "; executing"))
        .doOnSuccess(x -> wakeExecutor.run());
  }
}
