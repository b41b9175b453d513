package io.gpki.gateway.repository;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.InterfaceGate;
import io.gpki.gateway.web.Problems;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * In front of every repository lookup interface: rejects over-long queries (400), admits through
 * the interface's {@link InterfaceGate} (full: fast 503 with Retry-After), and records the request
 * in {@link AccessStatistics} with the time from arrival to the last byte written.
 */
public final class RepositoryTrafficFilter implements WebFilter, Ordered {

  private final Map<String, InterfaceGate> gates;
  private final AccessStatistics statistics;
  private final int maxQueryLength;

  public RepositoryTrafficFilter(RepositoryProperties props, AccessStatistics statistics) {
    RepositoryProperties.Http h = props.http();
    this.gates =
        Map.of(
            AccessStatistics.FILES,
                new InterfaceGate(
                    AccessStatistics.FILES, h.maxConcurrent(), h.maxQueue(), h.queueTimeout()),
            AccessStatistics.RFC4387_CERTS,
                new InterfaceGate(
                    AccessStatistics.RFC4387_CERTS,
                    h.maxConcurrent(),
                    h.maxQueue(),
                    h.queueTimeout()),
            AccessStatistics.RFC4387_CRLS,
                new InterfaceGate(
                    AccessStatistics.RFC4387_CRLS,
                    h.maxConcurrent(),
                    h.maxQueue(),
                    h.queueTimeout()),
            AccessStatistics.LDAP_HTTP,
                new InterfaceGate(
                    AccessStatistics.LDAP_HTTP, h.maxConcurrent(), h.maxQueue(), h.queueTimeout()));
    this.statistics = statistics;
    this.maxQueryLength = props.maxQueryLength();
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String path = exchange.getRequest().getPath().value();
    String iface = classify(path);
    if (iface == null) {
      return chain.filter(exchange);
    }
    long start = System.nanoTime();
    String kind = kind(iface, exchange, path);
    String rawQuery = exchange.getRequest().getURI().getRawQuery();
    if (rawQuery != null && rawQuery.length() > maxQueryLength) {
      return problem(
              exchange,
              ErrorType.BAD_REQUEST,
              "query longer than " + maxQueryLength + " characters",
              path)
          .doFinally(
              s -> statistics.record(iface, kind, "client-error", System.nanoTime() - start));
    }
    InterfaceGate gate = Objects.requireNonNull(gates.get(iface), "a gate per interface");
    return gate.acquire()
        .flatMap(
            permit ->
                chain
                    .filter(exchange)
                    .doFinally(
                        s -> {
                          gate.release();
                          statistics.record(
                              iface,
                              kind,
                              AccessStatistics.httpOutcome(status(exchange)),
                              System.nanoTime() - start);
                        })
                    .then(Mono.just(Boolean.TRUE)))
        .onErrorResume(
            InterfaceGate.Busy.class,
            busy ->
                problem(exchange, ErrorType.SERVICE_UNAVAILABLE, "", path)
                    .doFinally(
                        s -> statistics.record(iface, kind, "busy", System.nanoTime() - start))
                    .then(Mono.just(Boolean.TRUE)))
        .then();
  }

  private static int status(ServerWebExchange exchange) {
    HttpStatusCode s = exchange.getResponse().getStatusCode();
    return s == null ? 200 : s.value();
  }

  private static Mono<Void> problem(
      ServerWebExchange exchange, ErrorType type, String detail, String path) {
    ServerHttpResponse response = exchange.getResponse();
    response.setStatusCode(HttpStatus.valueOf(type.status()));
    response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    response.getHeaders().setCacheControl(Problems.NO_STORE);
    if (type.status() == 503) {
      response.getHeaders().set("Retry-After", "1");
    }
    String d =
        detail.isEmpty()
            ? "this lookup interface is at capacity; retry after the Retry-After delay"
            : detail;
    byte[] body = new Problems.Problem(type, type.status(), d).json(path);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }

  static @Nullable String classify(String path) {
    if (path.equals("/repository") || path.startsWith("/repository/")) {
      return AccessStatistics.FILES;
    }
    if (path.equals(RepositoryInterfaces.CERT_STORE)) {
      return AccessStatistics.RFC4387_CERTS;
    }
    if (path.equals(RepositoryInterfaces.CRL_STORE)) {
      return AccessStatistics.RFC4387_CRLS;
    }
    if (path.startsWith(RepositoryInterfaces.LDAP_HTTP + "/")) {
      return AccessStatistics.LDAP_HTTP;
    }
    return null;
  }

  private static String kind(String iface, ServerWebExchange exchange, String path) {
    return switch (iface) {
      case AccessStatistics.FILES -> AccessStatistics.fileKind(path);
      case AccessStatistics.RFC4387_CERTS -> "certificate";
      case AccessStatistics.RFC4387_CRLS -> "crl";
      default -> {
        String q = exchange.getRequest().getURI().getRawQuery();
        String attrs = q == null ? "" : q.split("\\?", -1)[0];
        try {
          yield AccessStatistics.ldapKind(
              java.util.List.of(Percent.decode(attrs, false).split(",")));
        } catch (IllegalArgumentException e) {
          yield "other";
        }
      }
    };
  }
}
