package io.gpki.gateway.web;

import io.gpki.gateway.ErrorType;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.AbstractHandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The answer for a request no route took: 405 with an {@code Allow} header when a route serves the
 * path with another method, else 404, both as RFC 9457 problems. Without it, functional routes that
 * do not match fall through to Spring's static-resource handler, whose 404 has no problem type, and
 * a wrong method is never a 405. Ordered after every other mapping.
 */
@Component
public class UnmatchedRoutes extends AbstractHandlerMapping {

  /** Methods tried on a path no route took; HEAD matches wherever GET does. */
  private static final List<HttpMethod> CANDIDATES =
      List.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.PATCH,
          HttpMethod.DELETE);

  private final ObjectProvider<RouterFunction<?>> routes;
  private final ServerCodecConfigurer codecs;

  /** The routes, looked up once (they are fixed once the context runs), not per request. */
  private volatile @Nullable List<RouterFunction<?>> all;

  public UnmatchedRoutes(ObjectProvider<RouterFunction<?>> routes, ServerCodecConfigurer codecs) {
    this.routes = routes;
    this.codecs = codecs;
    // After the router functions (-1) and annotated controllers (0); before static resources
    // (lowest - 1), which would otherwise answer every unmatched path with a bare 404.
    setOrder(Ordered.LOWEST_PRECEDENCE - 2);
  }

  @Override
  protected Mono<?> getHandlerInternal(ServerWebExchange exchange) {
    ServerRequest request = ServerRequest.create(exchange, codecs.getReaders());
    HttpMethod actual = request.method();
    List<RouterFunction<?>> all = this.all;
    if (all == null) {
      all = routes.orderedStream().toList();
      this.all = all;
    }
    List<RouterFunction<?>> known = all;
    return Flux.fromIterable(CANDIDATES)
        .filter(m -> !m.equals(actual))
        .concatMap(
            m ->
                routed(known, ServerRequest.from(request).method(m).build())
                    .filter(b -> b)
                    .map(b -> m))
        .collect(Collectors.toCollection(java.util.LinkedHashSet::new))
        .map(
            allowed -> {
              // HandlerFunctionAdapter takes the request from here, as RouterFunctionMapping leaves
              // it.
              exchange.getAttributes().put(RouterFunctions.REQUEST_ATTRIBUTE, request);
              return allowed.isEmpty() ? notFound() : methodNotAllowed(actual, allowed);
            });
  }

  /** Whether any route takes {@code request}. */
  private static Mono<Boolean> routed(List<RouterFunction<?>> all, ServerRequest request) {
    return Flux.fromIterable(all).concatMap(r -> r.route(request)).hasElements();
  }

  private static HandlerFunction<ServerResponse> notFound() {
    return request ->
        Problems.response(ErrorType.NOT_FOUND, "no resource at " + request.path(), request.path());
  }

  private static HandlerFunction<ServerResponse> methodNotAllowed(
      HttpMethod actual, Set<HttpMethod> allowed) {
    String allow = allowed.stream().map(HttpMethod::name).collect(Collectors.joining(", "));
    return request -> {
      byte[] body =
          new Problems.Problem(
                  ErrorType.METHOD_NOT_ALLOWED,
                  405,
                  actual.name() + " is not allowed on " + request.path() + "; allowed: " + allow)
              .json(request.path());
      return ServerResponse.status(HttpStatus.METHOD_NOT_ALLOWED)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .header(HttpHeaders.CACHE_CONTROL, Problems.NO_STORE)
          .header(HttpHeaders.ALLOW, allow)
          .bodyValue(body);
    };
  }
}
