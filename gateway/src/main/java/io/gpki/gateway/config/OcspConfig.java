package io.gpki.gateway.config;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ocsp.OcspProperties;
import io.gpki.gateway.ocsp.OcspResponder;
import io.gpki.gateway.ocsp.ResponderCertificates;
import io.gpki.gateway.web.FastPath;
import io.gpki.signer.CaSigner;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.function.Function;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Wiring of the OCSP responder: its routes, its start once the server listens (the pre-signer then
 * follows the change log, so it picks up the demo PKI as it is created) and its health entry.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OcspProperties.class)
public class OcspConfig {

  /** The responder's one write, its own OCSP-signing certificates, goes through the CA engine. */
  @Bean
  ResponderCertificates ocspResponderCertificates(CaEngine engine) {
    return (caId, subject, publicKey, notBefore, notAfter) ->
        engine.issue(
            caId,
            new CaEngine.EndEntity(
                subject,
                publicKey,
                CertificateProfile.OCSP_SIGNING,
                notBefore,
                notAfter,
                List.of(),
                null));
  }

  @Bean(destroyMethod = "close")
  OcspResponder ocspResponder(
      OcspProperties props,
      CaSigner signer,
      RepositoryStore store,
      ResponderCertificates responderCertificates,
      Function<String, String> keySourceOfCa,
      Clock clock,
      MeterRegistry meters,
      io.gpki.gateway.PublicationHold hold) {
    // Read ports only; the one write is ResponderCertificates.
    OcspResponder.StorePorts reads =
        new OcspResponder.StorePorts(
            store.certificates(), store.cas(), store.certificateStatus(), store.changeLog());
    return OcspResponder.create(
        props, signer, reads, responderCertificates, keySourceOfCa, clock, meters, hold);
  }

  /**
   * Pre-signed answers on the fast path ahead of WebFlux (off with {@code
   * gpki.ocsp.fast-path=false}).
   */
  @Bean
  @ConditionalOnProperty(name = "gpki.ocsp.fast-path", havingValue = "true", matchIfMissing = true)
  FastPath.Route ocspFastRoute(OcspResponder responder, MeterRegistry meters) {
    return responder.fastRoute(meters);
  }

  @Bean
  RouterFunction<ServerResponse> ocspRoutes(OcspResponder responder) {
    return responder.routes();
  }

  @Bean
  ApplicationListener<ApplicationReadyEvent> ocspStart(
      OcspResponder responder,
      RepositoryChanges changes,
      io.gpki.gateway.operations.WriterGate gate) {
    // An anonymous class, not a lambda: Spring reads the event type from its generic signature.
    return new ApplicationListener<ApplicationReadyEvent>() {
      @Override
      public void onApplicationEvent(ApplicationReadyEvent event) {
        // The pre-signer signs: only on the writer leader of a master. Elsewhere requests fall
        // through
        // the chain (repository, then live signing, which a backup's signer refuses: tryLater).
        gate.run(
            "ocsp-presigner",
            () -> {
              responder.start(changes.changes());
              return responder::stop;
            });
      }
    };
  }

  /**
   * UP once the responder answers from a loaded directory and a fresh cache; UNKNOWN before
   * (UNKNOWN does not pull the overall status down while the PKI comes up).
   */
  @Bean
  HealthIndicator ocspResponderHealthIndicator(OcspResponder responder) {
    return () ->
        (responder.ready() ? Health.up() : Health.unknown()).withDetails(responder.state()).build();
  }
}
