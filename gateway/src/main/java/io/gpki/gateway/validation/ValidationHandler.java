package io.gpki.gateway.validation;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.web.InterfaceGate;
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
 * HTTP front of the validation service: {@code POST /api/v1/validations} (JSON, or a DER
 * certificate as {@code application/pkix-cert} with the inputs as query parameters) and {@code POST
 * /api/v1/validations/batch}. Bodies are size-capped while they are read; bad input gets an RFC
 * 9457 problem body; verdicts (including INVALID) are 200. Every request passes the {@link
 * ValidationAdmission} limit after its body is read: over it, 503 with Retry-After and a problem
 * body.
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
  private final ValidationAdmission admission;

  public ValidationHandler(
      ValidationService service,
      ValidationProperties props,
      Clock clock,
      ServiceCredentials credentials,
      ValidationAdmission admission) {
    this.service = service;
    this.admission = admission;
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
      return Problems.response(
          ErrorType.UNSUPPORTED_MEDIA_TYPE,
          "send application/json or application/pkix-cert",
          request.path());
    }
    boolean querySign = request.queryParam("sign").map(Boolean::parseBoolean).orElse(false);
    // The body first (size-capped, no slot held while a slow client sends it), then a slot;
    // parsing,
    // the engine and rendering run on a validation worker.
    return body(request, props.maxRequestBytes())
        .flatMap(bytes -> admission.admit(() -> single(request, der, querySign, bytes)))
        .flatMap(ValidationHandler::ok)
        .onErrorResume(InterfaceGate.Busy.class, e -> busy(request))
        .onErrorResume(PkiException.class, e -> problem(e, request));
  }

  private Mono<ObjectNode> single(
      ServerRequest request, boolean der, boolean querySign, byte[] bytes) {
    boolean sign = querySign;
    ValidationRequest req;
    if (der) {
      req = fromDer(request, bytes);
    } else {
      JsonNode tree = ValidationJson.tree(bytes);
      sign |= tree.path("sign").asBoolean(false);
      req = json.request(tree, clock.instant());
    }
    if (sign && !credentials.canSign()) {
      return Mono.error(
          new PkiException(
              ErrorType.SIGNER_UNAVAILABLE,
              "signed verdicts are not available (gpki.validation.credentials.signing)"));
    }
    boolean signIt = sign;
    return service
        .validate(req, admission.workers())
        .flatMap(
            r -> signIt ? signed(ValidationJson.render(r)) : Mono.just(ValidationJson.render(r)));
  }

  /** Adds {@code jws}: the verdict JSON (without this field) signed, off the event loop. */
  private Mono<ObjectNode> signed(ObjectNode verdict) {
    byte[] payload = ValidationJson.MAPPER.writeValueAsBytes(verdict);
    return Mono.fromCallable(() -> verdict.put("jws", credentials.sign(payload)))
        .subscribeOn(reactor.core.scheduler.Schedulers.parallel());
  }

  /**
   * Batch validation: {@code {"items": [request, ...]}} to {@code {"results": [...]}} in order. A
   * batch holds one admission slot; its items run one after another on a validation worker.
   */
  public Mono<ServerResponse> batch(ServerRequest request) {
    int limit = props.maxRequestBytes() * Math.min(props.maxBatchItems(), 64);
    return body(request, limit)
        .flatMap(bytes -> admission.admit(() -> batchItems(ValidationJson.tree(bytes))))
        .flatMap(
            results -> {
              ObjectNode out = ValidationJson.MAPPER.createObjectNode();
              ArrayNode arr = out.putArray("results");
              results.forEach(arr::add);
              return ok(out);
            })
        .onErrorResume(InterfaceGate.Busy.class, e -> busy(request))
        .onErrorResume(PkiException.class, e -> problem(e, request));
  }

  private Mono<List<ObjectNode>> batchItems(JsonNode tree) {
    JsonNode items = tree.get("items");
    if (items == null || !items.isArray() || items.isEmpty()) {
      return Mono.error(ValidationJson.bad("items must be a non-empty array"));
    }
    if (items.size() > props.maxBatchItems()) {
      return Mono.error(
          ValidationJson.bad("items has more than " + props.maxBatchItems() + " entries"));
    }
    List<JsonNode> list = new ArrayList<>();
    items.forEach(list::add);
    return Flux.fromIterable(list)
        .concatMap(
            item -> one(item).onErrorResume(PkiException.class, e -> Mono.just(itemProblem(e))))
        .collectList();
  }

  private Mono<ObjectNode> one(JsonNode item) {
    return Mono.fromCallable(
            () -> {
              if (!item.isObject()) {
                throw ValidationJson.bad("each item must be a JSON object");
              }
              return json.request(item, clock.instant());
            })
        .flatMap(req -> service.validate(req, admission.workers()))
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
    Set<String> policies =
        new LinkedHashSet<>(request.queryParams().getOrDefault("initialPolicy", List.of()));
    ArrayNode p = n.putArray("initialPolicies");
    policies.forEach(p::add);
    n.put("certificate", java.util.Base64.getEncoder().encodeToString(der));
    ValidationRequest parsed = json.request(n, clock.instant());
    return new ValidationRequest(
        target, parsed.intermediates(), parsed.anchorId(), parsed.inputs(), null);
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
            e ->
                new PkiException(
                    ErrorType.PAYLOAD_TOO_LARGE, "the body exceeds " + maxBytes + " bytes"));
  }

  private static Mono<ServerResponse> ok(ObjectNode body) {
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .header("Cache-Control", "no-store")
        .bodyValue(ValidationJson.MAPPER.writeValueAsBytes(body));
  }

  /** Shed by the admission limit: 503, Retry-After, a problem body, at once. */
  private static Mono<ServerResponse> busy(ServerRequest request) {
    return Problems.response(
        ErrorType.SERVICE_UNAVAILABLE, ValidationAdmission.BUSY_DETAIL, request.path());
  }

  private static Mono<ServerResponse> problem(PkiException e, ServerRequest request) {
    return Problems.response(
        e.type(), e.type().status() >= 500 ? e.type().title() : e.getMessage(), request.path());
  }
}
