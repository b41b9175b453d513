package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.signer.SignerException;
import io.gpki.sync.StoreException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.web.server.MethodNotAllowedException;
import reactor.test.StepVerifier;

/** Issue 16 (1, 4): what each failure answers; a store or signer that is away is never a 500. */
class ProblemsTest {

  static Stream<Arguments> failures() {
    var refused =
        new R2dbcNonTransientResourceException(
            "Cannot connect to localhost/127.0.0.1:5432",
            new ConnectException("Connection refused"));
    return Stream.of(
        Arguments.of(
            "503/Failed to obtain R2DBC Connection",
            new DataAccessResourceFailureException("Failed to obtain R2DBC Connection", refused),
            ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of("503/R2DBC connection refused", refused, ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of(
            "503/R2DBC statement timeout",
            new R2dbcTimeoutException("canceling statement"),
            ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of(
            "503/query timeout", new QueryTimeoutException("slow"), ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of(
            "503/store call timed out",
            new TimeoutException("Did not observe any item"),
            ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of(
            "503/wrapped deeper",
            new IllegalStateException("outer", new RuntimeException(refused)),
            ErrorType.SERVICE_UNAVAILABLE),
        Arguments.of(
            "503/backup center refuses writes",
            new StoreException.ReadOnly("backup"),
            ErrorType.BACKUP_CENTER),
        Arguments.of(
            "503/signer unavailable",
            new SignerException(SignerException.Kind.UNAVAILABLE, "circuit open"),
            ErrorType.SIGNER_UNAVAILABLE),
        Arguments.of(
            "503/signer saturated",
            new SignerException(SignerException.Kind.SATURATED, "bulkhead full"),
            ErrorType.SIGNER_UNAVAILABLE),
        Arguments.of(
            "503/signer timeout",
            new SignerException(SignerException.Kind.TIMEOUT, "slow HSM"),
            ErrorType.SIGNER_UNAVAILABLE),
        Arguments.of(
            "500/signer rejected",
            new SignerException(SignerException.Kind.REJECTED, "bad algorithm"),
            ErrorType.INTERNAL),
        Arguments.of(
            "409/store conflict",
            new StoreException.Conflict("duplicate serial", null),
            ErrorType.CONFLICT),
        Arguments.of(
            "404/store not found", new StoreException.NotFound("no CA x"), ErrorType.NOT_FOUND),
        Arguments.of(
            "408/request body read timeout",
            ReadTimeoutException.INSTANCE,
            ErrorType.REQUEST_TIMEOUT),
        Arguments.of("500/a bug", new IllegalStateException("bug"), ErrorType.INTERNAL),
        Arguments.of(
            "503/PkiException keeps its type",
            new PkiException(ErrorType.NOT_READY, "loading"),
            ErrorType.NOT_READY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void mapsEachFailure(String outcome, Throwable failure, ErrorType expected) {
    Problems.Problem p = Problems.of(failure);
    assertThat(p.type()).isEqualTo(expected);
    assertThat(p.status()).isEqualTo(expected.status());
    if (p.status() >= 500) {
      assertThat(p.detail()).doesNotContain("5432").doesNotContain("refused").doesNotContain("bug");
    }
  }

  /** A real R2DBC call against a port nobody listens on, through Spring's DatabaseClient. */
  @Test
  void aRealUnreachableDatabaseIsA503() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    var factory =
        new PostgresqlConnectionFactory(
            PostgresqlConnectionConfiguration.builder()
                .host("127.0.0.1")
                .port(deadPort)
                .username("gpki")
                .database("gpki")
                .connectTimeout(Duration.ofSeconds(2))
                .build());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StepVerifier.create(DatabaseClient.create(factory).sql("SELECT 1").fetch().one())
        .expectErrorSatisfies(failure::set)
        .verify(Duration.ofSeconds(15));
    assertThat(failure.get()).hasMessageContaining("Failed to obtain R2DBC Connection");
    Problems.Problem p = Problems.of(failure.get());
    assertThat(p.status()).isEqualTo(503);
    assertThat(p.type()).isEqualTo(ErrorType.SERVICE_UNAVAILABLE);
  }

  @Test
  void theHandlerSendsRetryAfterOnA503AndCloseOnA408() {
    ProblemErrorHandler handler = new ProblemErrorHandler();
    MockServerWebExchange down =
        MockServerWebExchange.from(MockServerHttpRequest.get("/repository/crl/osca/1.crl"));
    StepVerifier.create(
            handler.handle(
                down, new DataAccessResourceFailureException("Failed to obtain R2DBC Connection")))
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(down.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(down.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("1");
    assertThat(down.getResponse().getHeaders().getCacheControl()).isEqualTo("no-store");
    StepVerifier.create(down.getResponse().getBodyAsString())
        .assertNext(
            b ->
                assertThat(b)
                    .contains("urn:gpki:problem:service-unavailable")
                    .contains("/repository/crl/osca/1.crl"))
        .expectComplete()
        .verify(Duration.ofSeconds(5));

    MockServerWebExchange stalled =
        MockServerWebExchange.from(MockServerHttpRequest.post("/api/v1/validations/batch"));
    StepVerifier.create(handler.handle(stalled, ReadTimeoutException.INSTANCE))
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(stalled.getResponse().getStatusCode()).isEqualTo(HttpStatus.REQUEST_TIMEOUT);
    assertThat(stalled.getResponse().getHeaders().getFirst("Connection")).isEqualTo("close");
  }

  @Test
  void aMethodNotAllowedExceptionKeepsItsAllowHeader() {
    MockServerWebExchange wrong = MockServerWebExchange.from(MockServerHttpRequest.get("/x"));
    StepVerifier.create(
            new ProblemErrorHandler()
                .handle(
                    wrong,
                    new MethodNotAllowedException(
                        HttpMethod.GET, java.util.Set.of(HttpMethod.POST))))
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(wrong.getResponse().getStatusCode()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
    assertThat(wrong.getResponse().getHeaders().getFirst("Allow")).isEqualTo("POST");
  }
}
