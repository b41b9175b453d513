package io.gpki.gateway.validation;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.web.Problems;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * HTTP front of the validation service: {@code POST /api/v1/validations} (JSON, or a DER certificate as
 * {@code application/pkix-cert} with the inputs as query parameters) and {@code POST
 * /api/v1/validations/batch}. Bodies are size-capped while they are read; bad input gets an RFC 9457
 * problem body; verdicts (including INVALID) are 200.
 */
public final class ValidationHandler {

  /** Base path of the API. */
  public static final String PATH = "/api/v1/validations";

  private static final MediaType PKIX_CERT = MediaType.parseMediaType("application/pkix-cert");

  private final ValidationService service;
  private final ValidationJson json;
  private final ValidationProperties props;
  private final Clock clock;
  private final ServiceCredentials credentials;

  public ValidationHandler(
      ValidationService service, ValidationProperties props, Clock clock, ServiceCredentials credentials) {
    this.service = service;
    this.credentials = credentials;
    this.json = new ValidationJson(props);
    this.props = props;
    this.clock = clock;
  }

  /** Single validation, JSON or DER. */
  public Mono<ServerResponse> validate(ServerRequest request) {
    MediaType type = request.headers().contentType().orElse(MediaType.APPLICATION_JSON);
    boolean der = type.isCompatibleWith(PKIX_CERT);
    if (!der && !type.isCompatibleWith(MediaType.APPLICATION_JSON)) {
      return Problems.response(ErrorType.UNSUPPORTED_MEDIA_TYPE,
          "send application/json or application/pkix-cert", request.path());
    }
    boolean[] sign = {request.queryParam("sign").map(Boolean::parseBoolean).orElse(false)};
    return body(request, props.maxRequestBytes())
        .map(
            bytes -> {
              if (der) {
                return fromDer(request, bytes);
              }
              JsonNode tree = ValidationJson.tree(bytes);
              sign[0] |= tree.path("sign").asBoolean(false);
              return json.request(tree, clock.instant());
            })
        .flatMap(
            req -> {
              if (sign[0] && !credentials.canSign()) {
                return Mono.error(new PkiException(ErrorType.SIGNER_UNAVAILABLE,
                    "signed verdicts are not available (gpki.validation.credentials.signing)"));
              }
              return service.validate(req);
            })
        .flatMap(r -> sign[0] ? signed(ValidationJson.render(r)) : Mono.just(ValidationJson.render(r)))
        .flatMap(ValidationHandler::ok)
        .onErrorResume(PkiException.class, e -> problem(e, request));
  }

  /** Adds {@code jws}: the verdict JSON (without this field) signed, off the event loop. */
  private Mono<ObjectNode> signed(ObjectNode verdict) {
    byte[] payload = ValidationJson.MAPPER.writeValueAsBytes(verdict);
    return Mono.fromCallable(() -> verdict.put("jws", credentials.sign(payload)))
        .subscribeOn(reactor.core.scheduler.Schedulers.parallel());
  }

  /** Batch validation: {@code {"items": [request, ...]}} to {@code {"results": [...]}} in order. */
  public Mono<ServerResponse> batch(ServerRequest request) {
    int limit = props.maxRequestBytes() * Math.min(props.maxBatchItems(), 64);
    return body(request, limit)
        .map(ValidationJson::tree)
        .flatMap(
            tree -> {
              JsonNode items = tree.get("items");
              if (items == null || !items.isArray() || items.isEmpty()) {
                return Mono.error(ValidationJson.bad("items must be a non-empty array"));
              }
              if (items.size() > props.maxBatchItems()) {
                return Mono.error(ValidationJson.bad("items has more than " + props.maxBatchItems() + " entries"));
              }
              List<JsonNode> list = new ArrayList<>();
              items.forEach(list::add);
              return Flux.fromIterable(list)
                  .concatMap(item -> one(item).onErrorResume(PkiException.class, e -> Mono.just(itemProblem(e))))
                  .collectList();
            })
        .flatMap(
            results -> {
              ObjectNode out = ValidationJson.MAPPER.createObjectNode();
              ArrayNode arr = out.putArray("results");
              results.forEach(arr::add);
              return ok(out);
            })
        .onErrorResume(PkiException.class, e -> problem(e, request));
  }

  private Mono<ObjectNode> one(JsonNode item) {
    return Mono.fromCallable(() -> {
          if (!item.isObject()) {
            throw ValidationJson.bad("each item must be a JSON object");
          }
          return json.request(item, clock.instant());
        })
        .flatMap(service::validate)
        .map(ValidationJson::render);
  }

  private static ObjectNode itemProblem(PkiException e) {
    ObjectNode out = ValidationJson.MAPPER.createObjectNode();
    out.putObject("problem")
        .put("type", e.type().typeUri())
        .put("title", e.type().title())
        .put("status", e.type().status())
        .put("detail", e.type().status() >= 500 ? e.type().title() : e.getMessage());
    return out;
  }

  private ValidationRequest fromDer(ServerRequest request, byte[] der) {
    Cert target;
    try {
      target = Cert.parseCached(der, Source.TARGET);
    } catch (IllegalArgumentException e) {
      throw ValidationJson.bad("body: " + e.getMessage());
    }
    ObjectNode n = ValidationJson.MAPPER.createObjectNode();
    request.queryParam("trustAnchor").ifPresent(v -> n.put("trustAnchor", v));
    request.queryParam("validationTime").ifPresent(v -> n.put("validationTime", v));
    for (String flag : List.of("explicitPolicy", "inhibitPolicyMapping", "inhibitAnyPolicy")) {
      request.queryParam(flag).ifPresent(v -> n.put(flag, Boolean.parseBoolean(v)));
    }
    Set<String> policies = new LinkedHashSet<>(request.queryParams().getOrDefault("initialPolicy", List.of()));
    ArrayNode p = n.putArray("initialPolicies");
    policies.forEach(p::add);
    n.put("certificate", java.util.Base64.getEncoder().encodeToString(der));
    ValidationRequest parsed = json.request(n, clock.instant());
    return new ValidationRequest(target, parsed.intermediates(), parsed.anchorId(), parsed.inputs(), null);
  }

  private static Mono<byte[]> body(ServerRequest request, int maxBytes) {
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBytes)
        .map(
            buf -> {
              byte[] bytes = new byte[buf.readableByteCount()];
              buf.read(bytes);
              DataBufferUtils.release(buf);
              return bytes;
            })
        .switchIfEmpty(Mono.error(ValidationJson.bad("empty body")))
        .onErrorMap(
            DataBufferLimitException.class,
            e -> new PkiException(ErrorType.PAYLOAD_TOO_LARGE, "the body exceeds " + maxBytes + " bytes"));
  }

  private static Mono<ServerResponse> ok(ObjectNode body) {
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .header("Cache-Control", "no-store")
        .bodyValue(ValidationJson.MAPPER.writeValueAsBytes(body));
  }

  private static Mono<ServerResponse> problem(PkiException e, ServerRequest request) {
    return Problems.response(e.type(), e.type().status() >= 500 ? e.type().title() : e.getMessage(), request.path());
  }
}
