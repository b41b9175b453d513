package io.gpki.gateway.config;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.operations.ApprovalHandler;
import io.gpki.gateway.registration.CallAudit;
import io.gpki.gateway.registration.DemoLra;
import io.gpki.gateway.registration.DemoLraEndpoint;
import io.gpki.gateway.registration.Enrolment;
import io.gpki.gateway.registration.JournalWorker;
import io.gpki.gateway.registration.KeyPickupHandler;
import io.gpki.gateway.registration.LraFeedHandler;
import io.gpki.gateway.registration.LraHandler;
import io.gpki.gateway.registration.LraIntake;
import io.gpki.gateway.registration.Notices;
import io.gpki.gateway.registration.NotificationHandler;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.OutboxDispatcher;
import io.gpki.gateway.registration.RegistrationListener;
import io.gpki.gateway.registration.RegistrationProperties;
import io.gpki.gateway.registration.RegistrationStartup;
import io.gpki.gateway.registration.RequestParser;
import io.gpki.gateway.registration.ServerCredential;
import io.gpki.gateway.registration.ServerKeyIntake;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Wiring of LRA registration: its store, the journal worker, the mutual-TLS listener (its routes
 * are deliberately not beans, so they are never served on the public port) and the demo LRA.
 */
@Configuration(proxyBeanMethods = false)
public class RegistrationConfig {

  /** Its own small pool; the RepositoryStore parameter makes sure migrations ran first. */
  @Bean(destroyMethod = "close")
  RegistrationStores registrationStores(
      DatabaseCoordinates db, RepositoryStore migrated, Clock clock) {
    return RegistrationStores.open(db, 4, clock);
  }

  @Bean
  RequestParser requestParser(RegistrationProperties props) {
    return new RequestParser(props.defaultValidity(), props.maxValidity());
  }

  @Bean
  JournalWorker journalWorker(
      RegistrationStores stores,
      CaEngine engine,
      RepositoryStore store,
      RequestParser parser,
      RepositoryChanges changes,
      Clock clock,
      RegistrationProperties props,
      MeterRegistry meters,
      Notices notices,
      @Qualifier("webhookDispatcher") OutboxDispatcher webhooks,
      @Qualifier("mailDispatcher") OutboxDispatcher mails,
      io.gpki.gateway.PublicationHold hold) {
    return new JournalWorker(
        stores.journal(),
        engine,
        store.certificates(),
        stores.audit(),
        parser,
        changes,
        clock,
        props.workerBatch(),
        meters,
        props.calendar(),
        notices,
        () -> {
          webhooks.wake();
          mails.wake();
        },
        hold);
  }

  @Bean
  OperatorAuthenticator operatorAuthenticator(
      RegistrationStores stores,
      RepositoryStore store,
      Clock clock,
      RegistrationProperties props,
      org.springframework.beans.factory.ObjectProvider<io.gpki.gateway.validation.ValidationService>
          validation) {
    // Operator certificates go through the validation engine too (issue 5: "through the validation
    // engine when it exists"): path to the LRA trust anchor, policies, revocation.
    return new OperatorAuthenticator(
        stores.lras(),
        store.certificates(),
        clock,
        der -> {
          io.gpki.gateway.validation.ValidationService v = validation.getIfAvailable();
          if (v == null) {
            return Mono.empty();
          }
          return Mono.fromCallable(
                  () ->
                      io.gpki.gateway.validation.Cert.parseCached(
                          der, io.gpki.gateway.validation.Source.TARGET))
              .flatMap(
                  cert ->
                      v.validate(
                          new io.gpki.gateway.validation.ValidationRequest(
                              cert,
                              java.util.List.of(),
                              props.trustCa(),
                              io.gpki.gateway.validation.ValidationInputs.defaults(clock.instant()),
                              null)))
              .flatMap(
                  r ->
                      r.outcome() instanceof io.gpki.gateway.validation.Outcome.Valid
                          ? Mono.<String>empty()
                          : Mono.just(r.outcome().verdict() + " " + reason(r.outcome())));
        });
  }

  private static String reason(io.gpki.gateway.validation.Outcome o) {
    if (o instanceof io.gpki.gateway.validation.Outcome.Invalid i) {
      return i.reason() + " (" + i.detail() + ")";
    }
    if (o instanceof io.gpki.gateway.validation.Outcome.Indeterminate i) {
      return i.reason() + " (" + i.detail() + ")";
    }
    return "";
  }

  @Bean
  SignedBodies signedBodies(RegistrationProperties props) {
    return new SignedBodies(props.maxBodyBytes());
  }

  @Bean
  CallAudit callAudit(RegistrationStores stores) {
    return new CallAudit(stores.audit());
  }

  @Bean
  LraHandler lraHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      RequestParser parser,
      RegistrationStores stores,
      RepositoryStore store,
      Clock clock,
      RegistrationProperties props,
      JournalWorker worker,
      CallAudit calls,
      @Qualifier("keyGenerationScheduler") Scheduler keyGeneration) {
    ServerKeyIntake serverKeys =
        new ServerKeyIntake(
            stores.serverKeys(),
            props.serverKeyIterations(),
            keyGeneration,
            java.util.Set.copyOf(props.serverKeyProfiles()),
            clock);
    LraIntake intake =
        new LraIntake(
            stores.journal(),
            store.certificates(),
            clock,
            props.signedAtSkew(),
            worker::wake,
            props.calendar(),
            serverKeys);
    return new LraHandler(
        bodies,
        authenticator,
        parser,
        intake,
        stores.journal(),
        store.certificates(),
        calls,
        stores.serverKeys());
  }

  @Bean
  KeyPickupHandler keyPickupHandler(
      OperatorAuthenticator authenticator,
      RegistrationStores stores,
      RepositoryStore store,
      CallAudit calls) {
    return new KeyPickupHandler(
        authenticator, stores.journal(), stores.serverKeys(), store.certificates(), calls);
  }

  @Bean
  LraFeedHandler lraFeedHandler(
      OperatorAuthenticator authenticator,
      RegistrationStores stores,
      CallAudit calls,
      Clock clock) {
    return new LraFeedHandler(authenticator, stores.journal(), calls, clock);
  }

  @Bean
  Enrolment enrolment(
      CaEngine engine,
      RepositoryStore store,
      Clock clock,
      @Qualifier("keyGenerationScheduler") Scheduler blocking) {
    return new Enrolment(engine, store.content(), clock, blocking);
  }

  @Bean
  DemoLra demoLra(
      RegistrationStores stores,
      Enrolment enrolment,
      Clock clock,
      GatewayProperties gateway,
      RegistrationProperties props,
      @Qualifier("keyGenerationScheduler") Scheduler blocking) {
    return new DemoLra(
        stores.lras(), enrolment, clock, blocking, gateway.dataDir(), props.trustCa());
  }

  @Bean(destroyMethod = "close")
  RegistrationListener registrationListener() {
    return new RegistrationListener();
  }

  @Bean(destroyMethod = "close")
  RegistrationStartup registrationStartup(
      RegistrationProperties props,
      GatewayProperties gateway,
      RepositorySnapshots snapshots,
      DemoLra demo,
      Enrolment enrolment,
      RegistrationListener listener,
      LraHandler lra,
      LraFeedHandler feed,
      ApprovalHandler approvals,
      KeyPickupHandler pickup,
      NotificationHandler notifications,
      JournalWorker worker,
      Clock clock,
      @Qualifier("keyGenerationScheduler") Scheduler blocking,
      ReplicationProperties replication,
      io.gpki.gateway.operations.WriterGate gate,
      io.gpki.sync.failover.CenterState center,
      io.gpki.gateway.operations.CenterHandler centerHandler) {
    RouterFunction<ServerResponse> routes =
        lra.routes().and(pickup.routes()).and(feed.routes()).and(notifications.routes());
    if (replication.backup()) {
      routes =
          routes.filter(
              io.gpki.gateway.web.BackupWrites.filter(
                  java.util.Objects.requireNonNull(replication.masterCenter()),
                  java.util.Objects.requireNonNull(replication.masterUrl()),
                  // Until a failover promotes this center: then it takes the writes.
                  () -> center.role() == io.gpki.sync.failover.CenterRole.BACKUP));
    }
    // Approvals (FAILOVER is requested and approved at the backup) and the center status stay open
    // at a
    // backup: CenterState decides there what may run.
    routes = routes.and(approvals.routes()).and(centerHandler.routes());
    RegistrationStartup.Writers writers =
        new RegistrationStartup.Writers() {
          @Override
          public void run(
              String name, java.util.function.Supplier<reactor.core.Disposable> writer) {
            gate.run(name, writer);
          }

          @Override
          public boolean mayWrite() {
            return center.writable();
          }
        };
    // A backup gets the demo LRA by replication, like the rest of the PKI.
    return new RegistrationStartup(
        props,
        gateway.demo().enabled() && !replication.backup(),
        snapshots,
        demo,
        new ServerCredential(enrolment, clock, blocking, gateway.dataDir()),
        enrolment,
        listener,
        routes,
        worker,
        blocking,
        gateway.crl().validity(),
        writers);
  }

  @Bean
  RouterFunction<ServerResponse> demoLraRoute(
      DemoLra demo,
      RegistrationListener listener,
      RegistrationProperties props,
      GatewayProperties gateway) {
    return DemoLraEndpoint.route(
        demo,
        listener::port,
        props.serverNames().get(0),
        gateway.demo().enabled() && props.demoLra());
  }
}
