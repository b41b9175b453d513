package io.gpki.gateway.operations;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.repository.DirectoryNames;
import io.gpki.gateway.repository.OperatorAccess;
import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.Referral;
import io.gpki.sync.ReferralLookup;
import io.gpki.sync.ReferralWriter;
import io.gpki.sync.StoreException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operator API for referrals: {@code GET /api/v1/operations/referrals}, {@code POST} (create),
 * {@code GET|PUT|DELETE /api/v1/operations/referrals/{id}}. Body: {@code {"baseDn": "...",
 * "ldapUrl": "ldap://...", "httpUrl": "https://..."}} ({@code id} too on POST). Every call passes
 * {@link OperatorAccess}; changes go through the store (and its change log), and the snapshot picks
 * them up at once.
 */
public final class ReferralApi {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final String ID = "[a-z0-9][a-z0-9-]{0,63}";

  private final ReferralLookup referrals;
  private final ReferralWriter store;
  private final OperatorAccess access;
  private final Clock clock;
  private final Runnable changed;

  /**
   * @param referrals reads the registered referrals
   * @param store registers and deletes referrals (through the change log)
   * @param changed called after a successful change (signals a snapshot refresh)
   */
  public ReferralApi(
      ReferralLookup referrals,
      ReferralWriter store,
      OperatorAccess access,
      Clock clock,
      Runnable changed) {
    this.referrals = referrals;
    this.store = store;
    this.access = access;
    this.clock = clock;
    this.changed = changed;
  }

  /** GET the list. */
  public Mono<ServerResponse> list(ServerRequest request) {
    return guarded(
        request,
        OperatorAccess.Action.READ_REFERRALS,
        () ->
            referrals
                .referrals()
                .map(ReferralApi::view)
                .collectList()
                .flatMap(
                    l ->
                        ServerResponse.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json(Map.of("referrals", l)))));
  }

  /** GET one. */
  public Mono<ServerResponse> get(ServerRequest request) {
    String id = request.pathVariable("id");
    return guarded(
        request,
        OperatorAccess.Action.READ_REFERRALS,
        () ->
            referrals
                .referrals()
                .filter(r -> r.id().equals(id))
                .next()
                .flatMap(
                    r ->
                        ServerResponse.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json(view(r))))
                .switchIfEmpty(
                    Mono.defer(
                        () ->
                            Problems.response(
                                ErrorType.NOT_FOUND, "no referral " + id, request.path()))));
  }

  /** POST: create. */
  public Mono<ServerResponse> create(ServerRequest request) {
    return guarded(request, OperatorAccess.Action.MANAGE_REFERRALS, () -> write(request, null));
  }

  /** PUT: create or replace. */
  public Mono<ServerResponse> put(ServerRequest request) {
    return guarded(
        request,
        OperatorAccess.Action.MANAGE_REFERRALS,
        () -> write(request, request.pathVariable("id")));
  }

  /** DELETE. */
  public Mono<ServerResponse> delete(ServerRequest request) {
    String id = request.pathVariable("id");
    return guarded(
        request,
        OperatorAccess.Action.MANAGE_REFERRALS,
        () ->
            store
                .delete(id)
                .flatMap(
                    existed -> {
                      if (!existed) {
                        return Problems.response(
                            ErrorType.NOT_FOUND, "no referral " + id, request.path());
                      }
                      changed.run();
                      return ServerResponse.noContent().build();
                    }));
  }

  private Mono<ServerResponse> write(ServerRequest request, @Nullable String pathId) {
    return request
        .bodyToMono(byte[].class)
        .defaultIfEmpty(new byte[0])
        .flatMap(
            body -> {
              Referral r;
              try {
                r = parse(body, pathId, clock.instant());
              } catch (IllegalArgumentException e) {
                return Problems.response(ErrorType.BAD_REQUEST, e.getMessage(), request.path());
              }
              return store
                  .put(r)
                  .flatMap(
                      saved -> {
                        changed.run();
                        return ServerResponse.status(
                                pathId == null ? HttpStatus.CREATED : HttpStatus.OK)
                            .location(
                                URI.create(RepositoryInterfaces.REFERRALS_API + "/" + saved.id()))
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json(view(saved)));
                      })
                  .onErrorResume(
                      StoreException.Conflict.class,
                      e -> Problems.response(ErrorType.CONFLICT, e.getMessage(), request.path()));
            });
  }

  /** Parses and checks a referral body. */
  static Referral parse(byte[] body, @Nullable String pathId, Instant now) {
    JsonNode n;
    try {
      n = MAPPER.readTree(body);
    } catch (JacksonException e) {
      throw new IllegalArgumentException("body must be a JSON object");
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("body must be a JSON object");
    }
    String id = pathId != null ? pathId : text(n, "id");
    if (id == null || !id.matches(ID)) {
      throw new IllegalArgumentException("id must match " + ID);
    }
    String baseDn = text(n, "baseDn");
    String ldapUrl = text(n, "ldapUrl");
    String httpUrl = text(n, "httpUrl");
    if (baseDn == null || ldapUrl == null) {
      throw new IllegalArgumentException("baseDn and ldapUrl are required");
    }
    String key = DirectoryNames.normalize(baseDn);
    if (key.isEmpty()) {
      throw new IllegalArgumentException("baseDn must not be empty");
    }
    checkUrl(ldapUrl, List.of("ldap", "ldaps"), "ldapUrl");
    if (httpUrl != null) {
      checkUrl(httpUrl, List.of("http", "https"), "httpUrl");
    }
    return new Referral(id, baseDn, key, ldapUrl, httpUrl, now, now);
  }

  private static void checkUrl(String url, List<String> schemes, String field) {
    try {
      URI u = new URI(url);
      if (u.getScheme() == null
          || !schemes.contains(u.getScheme().toLowerCase(Locale.ROOT))
          || u.getHost() == null
          || u.getRawQuery() != null) {
        throw new IllegalArgumentException(
            field + " must be an absolute " + String.join("/", schemes) + " URL without query");
      }
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(field + " is not a URL");
    }
  }

  private static @Nullable String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }

  private Mono<ServerResponse> guarded(
      ServerRequest request, OperatorAccess.Action action, Supplier<Mono<ServerResponse>> work) {
    return access
        .allowed(request, action)
        .flatMap(
            ok ->
                ok
                    ? work.get()
                    : Problems.response(
                        ErrorType.FORBIDDEN,
                        "operator role required for " + action,
                        request.path()));
  }

  private static Map<String, Object> view(Referral r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("baseDn", r.baseDn());
    m.put("ldapUrl", r.ldapUrl());
    m.put("httpUrl", r.httpUrl());
    m.put("createdAt", r.createdAt().toString());
    m.put("updatedAt", r.updatedAt().toString());
    return m;
  }

  private static byte[] json(Object o) {
    return MAPPER.writeValueAsBytes(o);
  }
}
