package io.gpki.gateway.config;

import io.gpki.gateway.PublicationHold;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.repository.PublishedResponder;
import io.gpki.gateway.repository.RepositoryHandler;
import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.gateway.repository.RepositoryProperties;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.signer.CaSigner;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.failover.CenterRole;
import io.gpki.sync.replication.PublicationGate;
import java.time.Clock;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Wiring of the CA engine, the CRL schedule, the demo PKI and the repository read path. */
@Configuration(proxyBeanMethods = false)
public class CaConfig {

  @Bean
  Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  RepositoryUrls repositoryUrls(GatewayProperties props) {
    return new RepositoryUrls(props.publicBaseUrl(), props.ldapBaseUrl());
  }

  @Bean
  RepositoryChanges repositoryChanges(io.micrometer.core.instrument.MeterRegistry meters) {
    return new RepositoryChanges(meters);
  }

  @Bean
  CaEngine caEngine(
      CaSigner signer,
      RepositoryStore store,
      RepositoryUrls urls,
      Function<String, String> keySourceOfCa,
      Clock clock,
      RepositoryChanges changes) {
    // One store object implements every port; each consumer is handed only the ones it uses.
    return new CaEngine(
        signer,
        store.cas(),
        store.cas(),
        store.certificates(),
        store.certificates(),
        store.certificates(),
        store.content(),
        urls,
        keySourceOfCa,
        clock,
        changes);
  }

  @Bean
  CrlPublisher crlPublisher(
      CaEngine engine,
      CaSigner signer,
      RepositoryStore store,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes,
      GatewayProperties props,
      io.gpki.sync.failover.CenterState center) {
    return new CrlPublisher(
        engine,
        signer,
        store.cas(),
        store.certificates(),
        store.crls(),
        store.crls(),
        store.crlNumbers(),
        urls,
        clock,
        changes,
        props.crl().period(),
        props.crl().validity(),
        center::epoch);
  }

  /** Subscriber key generation for the demo: CPU-bound and blocking, so it gets its own threads. */
  @Bean(destroyMethod = "dispose")
  Scheduler keyGenerationScheduler() {
    return Schedulers.newBoundedElastic(2, 64, "keygen");
  }

  @Bean
  DemoPki demoPki(
      CaEngine engine, RepositoryStore store, Clock clock, Scheduler keyGenerationScheduler) {
    return new DemoPki(engine, store.cas(), store.crossPairs(), clock, keyGenerationScheduler);
  }

  /**
   * "Publish only what the backup holds" at the exposure points (snapshot, revocation DONE,
   * pre-signed OCSP): on the replication's publication gate when replication is on, else none.
   */
  @Bean
  PublicationHold publicationHold(
      ObjectProvider<PublicationGate> gate,
      io.gpki.sync.failover.CenterState center,
      RepositoryStore store) {
    PublicationGate g = gate.getIfAvailable();
    if (g == null) {
      return PublicationHold.none();
    }
    return PublicationHold.on(
        g, () -> center.role() != CenterRole.BACKUP, () -> store.changeLog().head());
  }

  /** Runs the hold's waits (nothing without replication). */
  @Bean(destroyMethod = "dispose")
  Disposable publicationHoldWaits(PublicationHold hold) {
    return hold.start();
  }

  @Bean
  RepositorySnapshots repositorySnapshots(
      RepositoryStore store,
      RepositoryUrls urls,
      RepositoryInterfaces interfaces,
      RepositoryProperties repositoryProperties,
      Clock clock,
      PublicationHold hold) {
    return new RepositorySnapshots(
        store.content(),
        store.changeLog(),
        store.referrals(),
        urls,
        interfaces,
        repositoryProperties.maxResults(),
        clock,
        store.certificateLookupOverlap(),
        hold);
  }

  @Bean
  RepositoryHandler repositoryHandler(
      RepositorySnapshots snapshots, RepositoryStore store, PublishedResponder publishedResponder) {
    return new RepositoryHandler(snapshots, store.certificates(), store.crls(), publishedResponder);
  }

  @Bean
  RouterFunction<ServerResponse> repositoryRoutes(RepositoryHandler handler) {
    return RouterFunctions.route(
        RequestPredicates.path(RepositoryUrls.PREFIX + "/**")
            .or(RequestPredicates.path(RepositoryUrls.PREFIX))
            .and(
                RequestPredicates.method(HttpMethod.GET)
                    .or(RequestPredicates.method(HttpMethod.HEAD))),
        handler::serve);
  }
}
