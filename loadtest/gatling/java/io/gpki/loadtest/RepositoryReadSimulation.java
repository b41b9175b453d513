package io.gpki.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.header;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;

/**
 * Internet clients fetching CRLs/ARLs and government systems fetching CA certificates and
 * cross-certificate pairs, at a fixed arrival rate. Asserts the SLA-shaped figures: p99 latency and
 * error rate. Target 127.0.0.1 only; bounded in time.
 *
 * <p>Run: {@code ./mvnw -pl loadtest -Pgatling gatling:test -Dgpki.baseUrl=http://127.0.0.1:8080
 * -Dgpki.rate=500 -Dgpki.seconds=30 -Dgpki.p99Ms=100}. Warm the gateway up first (one run); a cold
 * JVM's first seconds are JIT compilation.
 */
public class RepositoryReadSimulation extends Simulation {

  private static final String BASE = System.getProperty("gpki.baseUrl", "http://127.0.0.1:8080");
  private static final int RATE = Integer.getInteger("gpki.rate", 500);
  private static final int SECONDS = Integer.getInteger("gpki.seconds", 30);
  private static final int P99_MS = Integer.getInteger("gpki.p99Ms", 100);

  private final HttpProtocolBuilder protocol =
      http.baseUrl(BASE).acceptHeader("*/*").shareConnections().warmUp(BASE + "/repository");

  private final ScenarioBuilder crlClients =
      scenario("CRL and ARL downloads")
          .exec(http("bca CRL").get("/repository/crl/bca.crl")
              .check(status().is(200), header("Content-Type").is("application/pkix-crl")))
          .exec(http("bca ARL").get("/repository/arl/bca.crl").check(status().is(200)))
          .exec(http("osca ARL").get("/repository/arl/osca.crl").check(status().is(200)));

  private final ScenarioBuilder certificateLookups =
      scenario("CA certificate lookups")
          .exec(http("osca certificate").get("/repository/ca/osca.cer")
              .check(status().is(200), header("Content-Type").is("application/pkix-cert")))
          .exec(http("bca caIssuers bundle").get("/repository/ca/bca.p7c").check(status().is(200)))
          .exec(http("bca-osca cross pair").get("/repository/cross/bca-osca.der").check(status().is(200)));

  {
    setUp(
            crlClients.injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(SECONDS))),
            certificateLookups.injectOpen(constantUsersPerSec(RATE).during(Duration.ofSeconds(SECONDS))))
        .protocols(protocol)
        .maxDuration(Duration.ofSeconds(SECONDS + 30L))
        .assertions(
            global().failedRequests().percent().lt(0.01),
            global().responseTime().percentile(99.0).lt(P99_MS),
            details("bca CRL").responseTime().mean().lt(20));
  }
}
