package io.gpki.gateway.config;

import io.gpki.gateway.ca.BenchmarkSeed;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.operations.ReferralApi;
import io.gpki.gateway.repository.AccessReportApi;
import io.gpki.gateway.repository.AccessStatistics;
import io.gpki.gateway.repository.LdapDirectoryServer;
import io.gpki.gateway.repository.LdapUrlHandler;
import io.gpki.gateway.repository.OperatorAccess;
import io.gpki.gateway.repository.PublishedResponder;
import io.gpki.gateway.repository.RepositoryFastRoute;
import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.gateway.repository.RepositoryProperties;
import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.gateway.repository.RepositoryTrafficFilter;
import io.gpki.gateway.repository.Rfc4387Handler;
import io.gpki.gateway.web.FastPath;
import io.gpki.sync.RepositoryStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;

/**
 * Wiring of the repository's lookup interfaces: RFC 4387 stores, LDAP over HTTP, the LDAPv3
 * listener, referrals (operator API), admission limits and access statistics.
 */
@Configuration(proxyBeanMethods = false)
public class RepositoryInterfacesConfig {

  @Bean
  AccessStatistics repositoryAccessStatistics(
      MeterRegistry meters, Clock clock, RepositoryStore store) {
    // SLA days are Japanese calendar days; totals are written to the store
    // (RepositoryStoreTasksConfig).
    return new AccessStatistics(meters, clock, ZoneId.of("Asia/Tokyo"), store.accessTotals());
  }

  @Bean
  PublishedResponder publishedResponder(Clock clock, MeterRegistry meters) {
    return new PublishedResponder(clock, Duration.ofMinutes(10), meters);
  }

  @Bean
  LdapDirectoryServer ldapDirectoryServer(
      RepositorySnapshots snapshots, RepositoryProperties props, AccessStatistics statistics) {
    return new LdapDirectoryServer(snapshots, props, statistics);
  }

  /**
   * Starts the LDAP listener before the application is ready (so the first snapshot names its
   * port).
   */
  @Bean
  SmartLifecycle ldapDirectoryServerLifecycle(LdapDirectoryServer server) {
    return new SmartLifecycle() {
      private volatile boolean running;

      @Override
      public void start() {
        server.start();
        running = true;
      }

      @Override
      public void stop() {
        server.close();
        running = false;
      }

      @Override
      public boolean isRunning() {
        return running;
      }
    };
  }

  @Bean
  RepositoryInterfaces repositoryInterfaces(
      RepositoryUrls urls,
      RepositoryProperties props,
      ObjectProvider<LdapDirectoryServer> ldap,
      ObjectProvider<io.gpki.gateway.registration.DemoLra> demoLra,
      GatewayProperties gateway,
      io.gpki.gateway.registration.RegistrationProperties registration) {
    boolean demo = gateway.demo().enabled() && registration.demoLra();
    return new RepositoryInterfaces(
        urls,
        props.ldap().advertisedHost(),
        () -> ldap.getObject().port(),
        () -> {
          io.gpki.gateway.registration.DemoLra lra = demo ? demoLra.getIfAvailable() : null;
          return lra == null
              ? java.util.Map.of()
              : io.gpki.gateway.registration.DemoLraEndpoint.indexSection(
                  lra, urls.absolute(io.gpki.gateway.registration.DemoLraEndpoint.PATH));
        });
  }

  @Bean
  RepositoryTrafficFilter repositoryTrafficFilter(
      RepositoryProperties props, AccessStatistics statistics) {
    return new RepositoryTrafficFilter(props, statistics);
  }

  @Bean
  OperatorAccess repositoryOperatorAccess(RepositoryProperties props) {
    return OperatorAccess.flag(props.operatorApiEnabled());
  }

  @Bean
  Rfc4387Handler rfc4387Handler(
      RepositorySnapshots snapshots,
      PublishedResponder responder,
      RepositoryStore store,
      RepositoryProperties props) {
    return new Rfc4387Handler(
        snapshots, responder, store.certificateSearch(), props.maxResults(), Duration.ofSeconds(2));
  }

  @Bean
  LdapUrlHandler ldapUrlHandler(
      RepositorySnapshots snapshots, PublishedResponder responder, RepositoryProperties props) {
    return new LdapUrlHandler(snapshots, responder, props);
  }

  @Bean
  ReferralApi referralApi(
      RepositoryStore store,
      OperatorAccess repositoryOperatorAccess,
      Clock clock,
      RepositoryChanges changes) {
    return new ReferralApi(
        store.referrals(), store.referrals(), repositoryOperatorAccess, clock, changes::changed);
  }

  @Bean
  AccessReportApi accessReportApi(
      AccessStatistics statistics, OperatorAccess repositoryOperatorAccess) {
    return new AccessReportApi(statistics, repositoryOperatorAccess);
  }

  /** Slow clients: a request must arrive without long pauses and within a bounded time. */
  @Bean
  NettyServerCustomizer repositoryReadTimeouts(RepositoryProperties props) {
    return server ->
        server
            .readTimeout(props.http().readTimeout())
            .requestTimeout(props.http().requestTimeout());
  }

  /**
   * The fast path: unconditional GET/HEAD hits of the repository snapshot (off with {@code
   * gpki.repository.http.fast-path=false}) and the routes other features contribute as {@link
   * FastPath.Route} beans, answered on the event loop ahead of WebFlux.
   */
  @Bean
  NettyServerCustomizer repositoryFastPath(
      RepositoryProperties props,
      RepositorySnapshots snapshots,
      PublishedResponder responder,
      AccessStatistics statistics,
      Clock clock,
      ObjectProvider<FastPath.Route> featureRoutes) {
    // Feature routes first: each rejects foreign targets with a prefix check, while the repository
    // route remembers every target it resolves (misses too) and should not fill up with theirs.
    List<FastPath.Route> routes = new ArrayList<>();
    featureRoutes.orderedStream().forEach(routes::add);
    if (props.http().fastPath()) {
      routes.add(new RepositoryFastRoute(snapshots, responder, props, statistics, clock));
    }
    // Installed even without routes: it also answers malformed request targets and stalled held
    // bodies with problem bodies (see FastPath).
    List<FastPath.Route> all = List.copyOf(routes);
    Duration holdTimeout = props.http().readTimeout();
    return server ->
        server.doOnChannelInit(
            (observer, channel, remote) -> FastPath.install(channel.pipeline(), all, holdTimeout));
  }

  /**
   * Benchmark-only: revokes {@code gpki.repository.benchmark-revocations} certificates of {@code
   * gpki.repository.benchmark-ca} (default osca) after the first snapshot, for a 100 KB CRL.
   */
  @Bean
  @ConditionalOnProperty("gpki.repository.benchmark-revocations")
  ApplicationListener<ApplicationReadyEvent> repositoryBenchmarkSeed(
      CaEngine engine, Clock clock, RepositorySnapshots snapshots, Environment env) {
    int count = env.getProperty("gpki.repository.benchmark-revocations", Integer.class, 0);
    String ca = env.getProperty("gpki.repository.benchmark-ca", "osca");
    BenchmarkSeed seed = new BenchmarkSeed(engine, clock);
    return event ->
        Flux.interval(Duration.ofMillis(500))
            .filter(t -> snapshots.current().loaded())
            .next()
            .flatMap(t -> seed.revokeMany(ca, count))
            .subscribe();
  }

  @Bean
  RouterFunction<ServerResponse> repositoryInterfaceRoutes(
      Rfc4387Handler rfc4387, LdapUrlHandler ldap, ReferralApi referrals, AccessReportApi report) {
    RequestPredicate read =
        RequestPredicates.method(HttpMethod.GET).or(RequestPredicates.method(HttpMethod.HEAD));
    String one = RepositoryInterfaces.REFERRALS_API + "/{id}";
    return RouterFunctions.route(
            RequestPredicates.path(RepositoryInterfaces.CERT_STORE).and(read),
            rfc4387::certificates)
        .andRoute(RequestPredicates.path(RepositoryInterfaces.CRL_STORE).and(read), rfc4387::crls)
        .andRoute(
            RequestPredicates.path(RepositoryInterfaces.LDAP_HTTP + "/**").and(read), ldap::serve)
        .andRoute(RequestPredicates.GET(RepositoryInterfaces.REFERRALS_API), referrals::list)
        .andRoute(RequestPredicates.POST(RepositoryInterfaces.REFERRALS_API), referrals::create)
        .andRoute(RequestPredicates.GET(one), referrals::get)
        .andRoute(RequestPredicates.PUT(one), referrals::put)
        .andRoute(RequestPredicates.DELETE(one), referrals::delete)
        .andRoute(RequestPredicates.GET(RepositoryInterfaces.ACCESS_REPORT), report::report);
  }
}
