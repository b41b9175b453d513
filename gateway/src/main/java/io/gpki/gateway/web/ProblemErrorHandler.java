package io.gpki.gateway.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webflux.error.ErrorWebExceptionHandler;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Renders every error that escapes a handler (including unmatched routes) as an RFC 9457 problem. */
@Component
@Order(-2)
public class ProblemErrorHandler implements ErrorWebExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorHandler.class);

  @Override
  public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
    ServerHttpResponse response = exchange.getResponse();
    if (response.isCommitted()) {
      return Mono.error(ex);
    }
    Problems.Problem problem = Problems.of(ex);
    if (problem.status() >= 500) {
      LOG.error(
          "request {} {} failed [{}]",
          exchange.getRequest().getMethod(),
          exchange.getRequest().getPath(),
          exchange.getRequest().getId(),
          ex);
    }
    response.setStatusCode(HttpStatus.valueOf(problem.status()));
    response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (problem.status() == 503) {
      response.getHeaders().set("Retry-After", "1");
    }
    DataBuffer body =
        response.bufferFactory().wrap(problem.json(exchange.getRequest().getPath().value()));
    return response.writeWith(Mono.just(body));
  }
}
