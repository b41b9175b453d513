package io.gpki.gateway.config;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.CrossCertification;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.ocsp.OcspResponder;
import io.gpki.gateway.operations.ApprovalHandler;
import io.gpki.gateway.operations.ApprovedActions;
import io.gpki.gateway.operations.AuditSealer;
import io.gpki.gateway.operations.CenterHandler;
import io.gpki.gateway.operations.DrPromotion;
import io.gpki.gateway.operations.EmergencyRevocations;
import io.gpki.gateway.operations.OperationsProperties;
import io.gpki.gateway.operations.OperationsStartup;
import io.gpki.gateway.operations.WriterGate;
import io.gpki.gateway.registration.CallAudit;
import io.gpki.gateway.registration.JournalWorker;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.signer.CaSigner;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.failover.CenterState;
import io.gpki.sync.failover.LeaderLock;
import java.time.Clock;
import java.util.function.Function;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.Disposable;

/** Wiring of the operator side: audit sealing and two-person approvals. */
@Configuration(proxyBeanMethods = false)
public class OperationsConfig {

  @Bean
  AuditSealer auditSealer(
      RegistrationStores stores,
      RepositoryStore store,
      CaSigner signer,
      OperationsProperties props,
      Function<String, String> keySourceOfCa,
      Clock clock) {
    // The audit key lives in the key source the configuration binds "audit" to (the default source
    // unless gpki.signer.ca-sources.audit says otherwise).
    return new AuditSealer(
        stores.audit(),
        store.changeLog(),
        signer,
        props.auditKeyId(),
        keySourceOfCa.apply("audit"),
        clock);
  }

  @Bean(destroyMethod = "close")
  OperationsStartup operationsStartup(AuditSealer sealer, OperationsProperties props) {
    return new OperationsStartup(sealer, props.auditSealInterval());
  }

  @Bean
  DrPromotion drPromotion(
      CenterState center,
      RepositoryStore store,
      CaSigner signer,
      CrlPublisher crls,
      WriterGate gate,
      OcspResponder ocsp) {
    return new DrPromotion(center, store.cas(), store.crls(), signer, crls, gate, ocsp::refresh);
  }

  @Bean
  ApprovedActions approvedActions(
      RegistrationStores stores,
      CaEngine engine,
      RepositoryStore store,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes,
      DrPromotion promotion,
      CenterState center) {
    return new ApprovedActions(
        stores.approvals(),
        stores.audit(),
        engine,
        new CrossCertification(engine, store.content(), store.crossPairs(), urls, clock, changes),
        store.cas(),
        store.content(),
        changes,
        promotion,
        center);
  }

  @Bean
  CenterHandler centerHandler(
      OperatorAuthenticator authenticator,
      CallAudit calls,
      CenterState center,
      LeaderLock leadership,
      io.gpki.gateway.PublicationHold hold,
      org.springframework.beans.factory.ObjectProvider<ReplicationStartup> replication) {
    // Looked up per request: the replication beans exist only with gpki.replication.enabled.
    return new CenterHandler(
        authenticator,
        calls,
        center,
        leadership,
        hold,
        () -> {
          ReplicationStartup startup = replication.getIfAvailable();
          return startup == null
              ? reactor.core.publisher.Mono.just(java.util.Map.of())
              : startup.position();
        });
  }

  /** Runs the executor of approved CA actions (at start it finishes what a crash left). */
  @Bean(destroyMethod = "dispose")
  Disposable approvedActionsRunning(
      ApprovedActions actions, OperationsProperties props, WriterGate gate) {
    // On the leader whatever the role: a backup executes its own FAILOVER, a fenced node its
    // UNFENCE
    // (other actions are refused at request time unless the center is MASTER).
    return gate.runOnLeader("approved-actions", () -> actions.start(props.actionPollInterval()));
  }

  @Bean
  ApprovalHandler approvalHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      RegistrationStores stores,
      JournalWorker worker,
      CallAudit calls,
      Clock clock,
      OperationsProperties props,
      RepositoryStore store,
      ApprovedActions actions,
      io.gpki.sync.failover.CenterState center) {
    EmergencyRevocations emergency =
        new EmergencyRevocations(stores.journal(), stores.approvals(), clock, worker::wake);
    return new ApprovalHandler(
        bodies,
        authenticator,
        stores.approvals(),
        emergency,
        calls,
        clock,
        props.approvalTtl(),
        store.content(),
        store.certificates(),
        actions::wake,
        center);
  }
}
