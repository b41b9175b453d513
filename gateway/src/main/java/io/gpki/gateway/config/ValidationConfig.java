package io.gpki.gateway.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ocsp.OcspResponder;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.gateway.validation.AdmissionProperties;
import io.gpki.gateway.validation.CertificateIssuer;
import io.gpki.gateway.validation.RepositoryView;
import io.gpki.gateway.validation.ServiceCredentials;
import io.gpki.gateway.validation.TlsListener;
import io.gpki.gateway.validation.ValidationAdmission;
import io.gpki.gateway.validation.ValidationFastRoute;
import io.gpki.gateway.validation.ValidationHandler;
import io.gpki.gateway.validation.ValidationProperties;
import io.gpki.gateway.validation.ValidationService;
import io.gpki.gateway.validation.ValidationWiring;
import io.gpki.gateway.web.FastPath;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.CertificateRecord;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.GeneralName;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Wiring of the validation service: repository view, fetchers, caches, engine, HTTP routes. */
@Configuration(proxyBeanMethods = false)
public class ValidationConfig {

  @Bean
  RepositoryView validationRepositoryView(RepositorySnapshots snapshots) {
    return new RepositoryView(snapshots);
  }

  /** LDAP fetches block (UnboundID), so they get their own small bounded pool. */
  @Bean(destroyMethod = "dispose")
  Scheduler validationLdapScheduler(ValidationProperties props) {
    return Schedulers.newBoundedElastic(props.fetch().ldapThreads(), 256, "validation-ldap");
  }

  @Bean(destroyMethod = "close")
  ValidationWiring validationWiring(
      RepositoryView view,
      ValidationProperties props,
      Scheduler validationLdapScheduler,
      Clock clock,
      OcspResponder ocspResponder) {
    CircuitBreakerRegistry breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .build());
    RetryRegistry retries =
        RetryRegistry.of(
            RetryConfig.custom().maxAttempts(2).waitDuration(Duration.ofMillis(200)).build());
    return new ValidationWiring(
        view::current,
        props,
        validationLdapScheduler,
        breakers,
        retries,
        clock,
        ocspResponder.ownOcsp());
  }

  @Bean
  ValidationService validationService(ValidationWiring wiring) {
    return wiring.service();
  }

  @Bean
  ServiceCredentials validationCredentials() {
    return new ServiceCredentials();
  }

  /**
   * The validation engine's workers: CPU-bound and never blocking, so a parallel (non-blocking)
   * scheduler, one thread per processor unless configured; the admission limit bounds its queue.
   */
  @Bean(destroyMethod = "dispose")
  Scheduler validationWorkers(AdmissionProperties admission) {
    return Schedulers.newParallel("validation", admission.workers(), true);
  }

  @Bean
  ValidationAdmission validationAdmission(
      AdmissionProperties props, Scheduler validationWorkers, MeterRegistry registry) {
    return new ValidationAdmission(props, validationWorkers, registry);
  }

  @Bean
  ValidationHandler validationHandler(
      ValidationService service,
      ValidationProperties props,
      Clock clock,
      ServiceCredentials credentials,
      ValidationAdmission admission) {
    return new ValidationHandler(service, props, clock, credentials, admission);
  }

  /**
   * Single JSON validations answerable from memory, on the fast path ahead of WebFlux (off with
   * {@code gpki.validation.fast-path=false}; the handler then answers them all).
   */
  @Bean
  @ConditionalOnProperty(
      name = "gpki.validation.fast-path",
      havingValue = "true",
      matchIfMissing = true)
  FastPath.Route validationFastRoute(
      ValidationService service,
      ValidationProperties props,
      Clock clock,
      MeterRegistry registry,
      ValidationAdmission admission) {
    return new ValidationFastRoute(service, props, clock, registry, admission);
  }

  /**
   * Issues the service's own certificates from osca through the CA engine (as any subscriber's).
   */
  @Bean
  CertificateIssuer validationCertificateIssuer(
      CaEngine engine, ValidationProperties props, Clock clock) {
    return (subject, spki, tls, host) -> {
      Instant now = clock.instant();
      return engine
          .issue(
              props.trustAnchors().get(0),
              new CaEngine.EndEntity(
                  subject,
                  spki,
                  tls ? CertificateProfile.SERVER_TLS : CertificateProfile.OFFICIAL_SIGNING,
                  now.minus(Duration.ofMinutes(5)),
                  now.plus(Duration.ofDays(365)),
                  tls ? List.of(new GeneralName(GeneralName.dNSName, host)) : List.of(),
                  tls ? "validation service TLS" : "validation service verdict signer"))
          .map(CertificateRecord::der);
    };
  }

  /**
   * Once the repository has loaded (the anchor CA exists), issues the service's certificates and
   * starts the HTTPS listener when configured. Both are off by default.
   */
  @Bean(destroyMethod = "dispose")
  Disposable validationCredentialsStartup(
      ValidationProperties props,
      RepositoryView view,
      ServiceCredentials credentials,
      CertificateIssuer issuer,
      RouterFunction<ServerResponse> validationRoutes,
      Scheduler keyGenerationScheduler,
      GatewayProperties gateway,
      Clock clock) {
    ValidationProperties.Credentials c = props.credentials();
    if (!c.signing() && c.tlsPort() == 0) {
      return Disposables.single();
    }
    Disposable.Composite running = Disposables.composite();
    running.add(
        Flux.interval(Duration.ofMillis(500))
            .map(
                t ->
                    Optional.ofNullable(view.current())
                        .map(x -> x.anchors().get(props.trustAnchors().get(0))))
            .filter(Optional::isPresent)
            .next()
            .timeout(Duration.ofMinutes(10))
            .flatMap(
                anchor ->
                    credentials.init(
                        issuer,
                        anchor.get().der(),
                        c.signing(),
                        c.tlsPort() > 0,
                        c.tlsHost(),
                        gateway.dataDir().toAbsolutePath().normalize().resolve("validation"),
                        clock,
                        keyGenerationScheduler,
                        keyGenerationScheduler))
            .then(
                Mono.defer(
                    () ->
                        credentials.tls() == null
                            ? Mono.empty()
                            : TlsListener.start(credentials.tls(), validationRoutes, c.tlsPort())
                                .doOnNext(running::add)
                                .then()))
            .subscribe(
                v -> {},
                e ->
                    LoggerFactory.getLogger(ValidationConfig.class)
                        .error("validation service credentials could not be set up", e)));
    return running;
  }

  @Bean
  RouterFunction<ServerResponse> validationRoutes(ValidationHandler handler) {
    return RouterFunctions.route(
            RequestPredicates.POST(ValidationHandler.PATH + "/batch"), handler::batch)
        .andRoute(
            RequestPredicates.path(ValidationHandler.PATH)
                .and(RequestPredicates.method(HttpMethod.POST)),
            handler::validate);
  }
}
