package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchScope;
import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.Referral;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * LDAP URLs over HTTP: {@code GET /ldap/{dn}?{attributes}?{scope}?{filter}} is the RFC 4516 URL
 * with {@code ldap://host:port} replaced by {@code http://gateway/ldap}, so a CRL distribution
 * point maps mechanically. DN matching follows RFC 4518. One binary value answers as the DER object
 * with its media type and caching headers; several values (or entries, or attributes) answer as the
 * JSON container described in {@code docs/repository.md}. DNs inside a registered referral subtree
 * get a 302 to the registered location.
 */
public final class LdapUrlHandler {

  private final RepositorySnapshots snapshots;
  private final PublishedResponder responder;
  private final RepositoryProperties props;

  public LdapUrlHandler(
      RepositorySnapshots snapshots, PublishedResponder responder, RepositoryProperties props) {
    this.snapshots = snapshots;
    this.responder = responder;
    this.props = props;
  }

  /** A parsed LDAP-over-HTTP request. */
  record Request(DN base, List<String> attributes, SearchScope scope, Filter filter) {}

  /** Serves one lookup. */
  public Mono<ServerResponse> serve(ServerRequest request) {
    String path = request.path();
    RepositorySnapshot snapshot = snapshots.current();
    if (!snapshot.loaded()) {
      return Problems.response(
          ErrorType.NOT_READY, "the repository is loading; retry shortly", path);
    }
    String rawPath = request.requestPath().value();
    String rawDn =
        rawPath.length() > RepositoryInterfaces.LDAP_HTTP.length() + 1
            ? rawPath.substring(RepositoryInterfaces.LDAP_HTTP.length() + 1)
            : "";
    String rawQuery = request.uri().getRawQuery();
    Request r;
    try {
      r = parse(rawDn, rawQuery, props.maxFilterLength());
    } catch (IllegalArgumentException e) {
      return Problems.response(ErrorType.BAD_REQUEST, e.getMessage(), path);
    }
    DirectorySearch.Outcome outcome =
        DirectorySearch.search(
            snapshot.directory(), r.base(), r.scope(), r.filter(), props.maxResults());
    if (outcome instanceof DirectorySearch.Referred ref) {
      return redirect(ref.referral(), rawDn, rawQuery);
    }
    if (outcome instanceof DirectorySearch.NoSuchObject) {
      return Problems.response(ErrorType.NOT_FOUND, "no entry " + r.base(), path);
    }
    return answer(request, r, (DirectorySearch.Found) outcome, path);
  }

  private Mono<ServerResponse> answer(
      ServerRequest request, Request r, DirectorySearch.Found found, String path) {
    if (found.sizeLimitExceeded()) {
      return Problems.response(
          ErrorType.BAD_REQUEST,
          "more than " + props.maxResults() + " entries match; narrow the scope or the filter",
          path);
    }
    List<LdapResults.EntryValues> values = values(found, r);
    Published single = LdapResults.single(values);
    if (single != null) {
      return responder.respond(request, single);
    }
    if (values.isEmpty()) {
      return Problems.response(
          ErrorType.NOT_FOUND,
          r.attributes().isEmpty()
              ? "no entry in scope matches the filter"
              : "no entry in scope holds " + String.join(",", r.attributes()),
          path);
    }
    return ServerResponse.ok()
        .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
        .header("Cache-Control", "no-cache")
        .bodyValue(LdapResults.json(values));
  }

  /**
   * The values a search answers with; with named attributes, entries that hold none of them drop
   * out.
   */
  private static List<LdapResults.EntryValues> values(DirectorySearch.Found found, Request r) {
    List<LdapResults.EntryValues> values = LdapResults.select(found.nodes(), r.attributes());
    if (!r.attributes().isEmpty()) {
      values = values.stream().filter(v -> !v.attributes().isEmpty()).toList();
    }
    return values;
  }

  /**
   * The single pre-encoded object a parsed lookup answers with as a bare DER body, or {@code null}
   * whenever {@link #serve} answers anything else (a referral, no entry, a size limit, several
   * values): the fast path answers only what this returns and leaves the rest to {@link #serve}.
   */
  static @Nullable Published single(
      RepositorySnapshot snapshot, Request r, RepositoryProperties props) {
    DirectorySearch.Outcome outcome =
        DirectorySearch.search(
            snapshot.directory(), r.base(), r.scope(), r.filter(), props.maxResults());
    if (!(outcome instanceof DirectorySearch.Found found) || found.sizeLimitExceeded()) {
      return null;
    }
    return LdapResults.single(values(found, r));
  }

  private static Mono<ServerResponse> redirect(
      Referral ref, String rawDn, @Nullable String rawQuery) {
    String q = rawQuery == null ? "" : "?" + rawQuery;
    String target =
        ref.httpUrl() != null
            ? stripSlash(ref.httpUrl()) + "/" + rawDn + q
            : stripSlash(ref.ldapUrl()) + "/" + rawDn + q;
    return ServerResponse.status(HttpStatus.FOUND).location(URI.create(target)).build();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /**
   * Parses the DN path segment and the RFC 4516 query {@code attributes?scope?filter?extensions}.
   *
   * @throws IllegalArgumentException with a message for the client when malformed
   */
  static Request parse(String rawDn, @Nullable String rawQuery, int maxFilterLength) {
    String dnText = Percent.decode(rawDn, false);
    if (dnText.isBlank()) {
      throw new IllegalArgumentException(
          "missing DN; expected /ldap/{dn}?{attributes}?{scope}?{filter}");
    }
    DN base;
    try {
      base = new DN(dnText);
    } catch (LDAPException e) {
      throw new IllegalArgumentException(DirectoryNames.malformed(e));
    }
    String[] parts = rawQuery == null ? new String[0] : rawQuery.split("\\?", -1);
    if (parts.length > 4) {
      throw new IllegalArgumentException(
          "too many '?' parts; expected attributes?scope?filter?extensions");
    }
    List<String> attributes = new ArrayList<>();
    if (parts.length > 0 && !parts[0].isEmpty()) {
      for (String a : Percent.decode(parts[0], false).split(",")) {
        String t = a.trim();
        if (!t.matches("[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*|\\*")) {
          throw new IllegalArgumentException("malformed attribute description '" + t + "'");
        }
        attributes.add(t);
      }
    }
    if (attributes.contains("*")) {
      attributes = List.of();
    }
    SearchScope scope =
        switch (parts.length > 1 ? Percent.decode(parts[1], false).toLowerCase(Locale.ROOT) : "") {
          case "", "base" -> SearchScope.BASE;
          case "one" -> SearchScope.ONE;
          case "sub" -> SearchScope.SUB;
          default -> throw new IllegalArgumentException("scope must be base, one or sub");
        };
    String filterText =
        parts.length > 2 && !parts[2].isEmpty()
            ? Percent.decode(parts[2], false)
            : "(objectClass=*)";
    if (filterText.length() > maxFilterLength) {
      throw new IllegalArgumentException("filter longer than " + maxFilterLength + " characters");
    }
    Filter filter;
    try {
      filter = Filter.create(filterText);
    } catch (LDAPException e) {
      throw new IllegalArgumentException(
          "malformed filter: "
              + DirectoryNames.reason(e, "not an RFC 4515 filter (e.g. (objectClass=*))"));
    }
    DirectorySearch.checkFilter(filter);
    if (parts.length > 3) {
      for (String ext : Percent.decode(parts[3], false).split(",")) {
        if (ext.startsWith("!")) {
          throw new IllegalArgumentException("unsupported critical extension " + ext);
        }
      }
    }
    return new Request(base, List.copyOf(attributes), scope, filter);
  }
}
