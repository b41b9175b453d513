package io.gpki.gateway.config;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.net.TargetResolver;
import io.gpki.gateway.registration.CallAudit;
import io.gpki.gateway.registration.Enrolment;
import io.gpki.gateway.registration.ExpiryScanner;
import io.gpki.gateway.registration.MailSender;
import io.gpki.gateway.registration.Notices;
import io.gpki.gateway.registration.NotificationHandler;
import io.gpki.gateway.registration.NotificationProperties;
import io.gpki.gateway.registration.NotificationSender;
import io.gpki.gateway.registration.NotificationStartup;
import io.gpki.gateway.registration.OperatorAuthenticator;
import io.gpki.gateway.registration.OutboxDispatcher;
import io.gpki.gateway.registration.RegistrationProperties;
import io.gpki.gateway.registration.RetrySchedule;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.gateway.registration.WebhookSender;
import io.gpki.gateway.registration.WebhookSigner;
import io.gpki.signer.CaSigner;
import io.gpki.sync.OutboxEvent;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Wiring of LRA webhooks and subscriber mail: the outbox's dispatchers, the signer, the expiry
 * scan.
 */
@Configuration(proxyBeanMethods = false)
public class NotificationConfig {

  @Bean
  Notices notices(
      RegistrationStores stores, Clock clock, NotificationProperties props, MeterRegistry meters) {
    return new Notices(stores.notifications(), clock, props.smtp().enabled(), meters);
  }

  @Bean
  WebhookSigner webhookSigner(
      CaSigner signer,
      CaEngine engine,
      Enrolment enrolment,
      RegistrationStores stores,
      RepositoryStore store,
      NotificationProperties props,
      Function<String, String> keySourceOfCa,
      Clock clock) {
    // Like the audit key: the key source bound to "notifications" (the default unless configured).
    return new WebhookSigner(
        signer,
        engine,
        enrolment,
        stores.journal(),
        store.certificates(),
        stores.audit(),
        props.signingKeyId(),
        keySourceOfCa.apply("notifications"),
        props.signingCa(),
        clock);
  }

  /** The mail library blocks: a small bounded scheduler of its own. */
  @Bean(destroyMethod = "dispose")
  Scheduler notificationMailScheduler(NotificationProperties props) {
    return Schedulers.newBoundedElastic(props.smtp().threads(), 1000, "notify-mail");
  }

  /**
   * Webhook host names are looked up with the JDK resolver, which blocks: a small bounded
   * scheduler.
   */
  @Bean(destroyMethod = "dispose")
  Scheduler webhookResolverScheduler() {
    return Schedulers.newBoundedElastic(2, 256, "webhook-dns");
  }

  private static RetrySchedule schedule(NotificationProperties p) {
    return new RetrySchedule(p.initialBackoff(), p.backoffMultiplier(), p.maxBackoff(), p.maxAge());
  }

  @Bean
  OutboxDispatcher webhookDispatcher(
      RegistrationStores stores,
      WebhookSigner signer,
      NotificationProperties props,
      Clock clock,
      MeterRegistry meters,
      @Qualifier("webhookResolverScheduler") Scheduler webhookResolverScheduler) {
    CircuitBreakerRegistry breakers =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .build());
    WebhookSender sender =
        new WebhookSender(
            stores.notifications(),
            signer,
            breakers,
            props.timeout(),
            props.allowHttp(),
            clock,
            TargetResolver.system(webhookResolverScheduler));
    return new OutboxDispatcher(
        stores.notifications(),
        OutboxEvent.Channel.WEBHOOK,
        sender,
        schedule(props),
        clock,
        props.batch(),
        meters);
  }

  @Bean
  OutboxDispatcher mailDispatcher(
      RegistrationStores stores,
      NotificationProperties props,
      Clock clock,
      MeterRegistry meters,
      @Qualifier("notificationMailScheduler") Scheduler mail) {
    NotificationSender sender =
        props.smtp().enabled()
            ? new MailSender(props.smtp(), props.timeout(), mail)
            : (e, attempt) -> Mono.error(new NotificationSender.Undeliverable("mail is off"));
    return new OutboxDispatcher(
        stores.notifications(),
        OutboxEvent.Channel.EMAIL,
        sender,
        schedule(props),
        clock,
        props.batch(),
        meters);
  }

  @Bean
  ExpiryScanner expiryScanner(
      RegistrationStores stores,
      Notices notices,
      NotificationProperties props,
      Clock clock,
      @Qualifier("webhookDispatcher") OutboxDispatcher webhooks,
      @Qualifier("mailDispatcher") OutboxDispatcher mails) {
    return new ExpiryScanner(
        stores.notifications(),
        notices,
        props.expiringThresholds(),
        clock,
        () -> {
          webhooks.wake();
          mails.wake();
        });
  }

  @Bean
  NotificationHandler notificationHandler(
      SignedBodies bodies,
      OperatorAuthenticator authenticator,
      RegistrationStores stores,
      CallAudit calls,
      Clock clock,
      RegistrationProperties registration,
      NotificationProperties props,
      @Qualifier("webhookDispatcher") OutboxDispatcher webhooks) {
    return new NotificationHandler(
        bodies,
        authenticator,
        stores.notifications(),
        calls,
        clock,
        registration.signedAtSkew(),
        props.allowHttp(),
        webhooks::wake);
  }

  @Bean(destroyMethod = "close")
  NotificationStartup notificationStartup(
      NotificationProperties props,
      @Qualifier("webhookDispatcher") OutboxDispatcher webhooks,
      @Qualifier("mailDispatcher") OutboxDispatcher mails,
      ExpiryScanner expiry,
      RegistrationStores stores,
      MeterRegistry meters,
      io.gpki.gateway.operations.WriterGate gate) {
    return new NotificationStartup(
        props,
        webhooks,
        mails,
        expiry,
        stores.notifications(),
        meters,
        (name, writer) -> gate.run(name, writer));
  }
}
