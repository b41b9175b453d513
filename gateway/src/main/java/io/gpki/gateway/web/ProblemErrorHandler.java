package io.gpki.gateway.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Renders every error that escapes a handler (including unmatched routes) as an RFC 9457 problem.
 */
@Component
@Order(-2)
public class ProblemErrorHandler implements ErrorWebExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorHandler.class);

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    ServerHttpResponse response = exchange.getResponse();
    if (answeredByServer(response, ex)) {
      // Reactor Netty already answered (e.g. 400 and close for a malformed chunk size) while the
      // handler still ran on what it had; the handler's own answer then fails with "Status and
      // headers already sent". Not a server error: nothing more to send, nothing to report as 500.
      LOG.debug(
          "request {} {} [{}]: the server already answered; dropping {}",
          exchange.getRequest().getMethod(),
          exchange.getRequest().getPath(),
          exchange.getRequest().getId(),
          ex.toString());
      return Mono.empty();
    }
    if (response.isCommitted()) {
      return Mono.error(ex);
    }
    Problems.Problem problem = Problems.of(ex);
    if (problem.status() == 503) {
      // A dependency is away: one line per request, without the stack trace, so an outage does not
      // flood the log; the cause's message says which one.
      LOG.warn(
          "request {} {} [{}] answered 503 {}: {}",
          exchange.getRequest().getMethod(),
          exchange.getRequest().getPath(),
          exchange.getRequest().getId(),
          problem.type().typeUri(),
          causes(ex));
    } else if (problem.status() >= 500) {
      LOG.error(
          "request {} {} failed [{}]",
          exchange.getRequest().getMethod(),
          exchange.getRequest().getPath(),
          exchange.getRequest().getId(),
          ex);
    }
    response.setStatusCode(HttpStatus.valueOf(problem.status()));
    HttpHeaders headers = response.getHeaders();
    headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    headers.setCacheControl(Problems.NO_STORE);
    if (problem.status() == 503) {
      headers.set(HttpHeaders.RETRY_AFTER, "1");
    }
    if (problem.status() == 408) {
      // The rest of the body may still come; the connection cannot be reused after it.
      headers.set(HttpHeaders.CONNECTION, "close");
    }
    if (ex instanceof org.springframework.web.server.ResponseStatusException r) {
      r.getHeaders().forEach((name, values) -> headers.put(name, values)); // e.g. Allow on a 405
    }
    DataBuffer body =
        response.bufferFactory().wrap(problem.json(exchange.getRequest().getPath().value()));
    return response.writeWith(Mono.just(body));
  }

  /**
   * Whether Reactor Netty itself has already answered the request (it sends 400 and closes for a
   * request its codec could not decode), so the handler's answer could not go out.
   */
  static boolean answeredByServer(ServerHttpResponse response, Throwable ex) {
    if (!(ex instanceof IllegalStateException)
        || ex.getMessage() == null
        || !ex.getMessage().contains("already sent")) {
      return false;
    }
    Object nativeResponse;
    try {
      nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return false; // not a Reactor Netty response (e.g. a mock in tests)
    }
    return nativeResponse instanceof HttpServerResponse r && r.hasSentHeaders();
  }

  private static String causes(Throwable ex) {
    StringBuilder sb = new StringBuilder(ex.toString());
    Throwable t = ex.getCause();
    for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
      sb.append(" <- ").append(t);
    }
    return sb.toString();
  }
}
