package io.gpki.gateway.repository;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.Problems;
import io.gpki.sync.CertificateSearch;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * RFC 4387 certificate and CRL stores over HTTP: {@code GET /certificates/search.cgi?attr=value}
 * and {@code GET /crls/search.cgi?attr=value}. One attribute per query; hash values are base64
 * SHA-1 (RFC 4387 section 3.3). One hit is the DER object ({@code application/pkix-cert} or {@code
 * application/pkix-crl}), several are {@code multipart/mixed}, none is 404, a malformed query is
 * 400 with a problem body. Answers come from the snapshot's pre-encoded index and, for certificates
 * outside it, from the store's lookup keys ({@link StoreLookup}).
 */
public final class Rfc4387Handler {

  /**
   * Certificate store attributes (RFC 4387 section 3.1; {@code cn} and {@code email} as in cryptlib
   * and the drafts).
   */
  static final Set<String> CERT_ATTRIBUTES =
      Set.of("certhash", "uri", "ihash", "iandshash", "name", "shash", "skidhash", "cn", "email");

  /** CRL store attributes (RFC 4387 section 3.2; {@code name} of the issuer as an extension). */
  static final Set<String> CRL_ATTRIBUTES = Set.of("ihash", "skidhash", "name");

  /** Store searches in flight at once (half the default pool); more get a fast 503. */
  private static final int STORE_CONCURRENCY = 8;

  private static final Set<String> HASHES =
      Set.of("certhash", "ihash", "iandshash", "shash", "skidhash");

  private final RepositorySnapshots snapshots;
  private final PublishedResponder responder;
  private final @Nullable StoreLookup storeLookup;

  /** Answers from the snapshot only (CA and labelled end-entity certificates). */
  public Rfc4387Handler(RepositorySnapshots snapshots, PublishedResponder responder) {
    this.snapshots = snapshots;
    this.responder = responder;
    this.storeLookup = null;
  }

  /**
   * Answers certificate queries from the snapshot and the store's lookup keys (every certificate).
   *
   * @param search the store's certificate search
   * @param maxResults the result limit ({@code gpki.repository.max-results})
   * @param timeout how long a store search may take
   */
  public Rfc4387Handler(
      RepositorySnapshots snapshots,
      PublishedResponder responder,
      CertificateSearch search,
      int maxResults,
      Duration timeout) {
    this.snapshots = snapshots;
    this.responder = responder;
    this.storeLookup = new StoreLookup(search, responder, maxResults, timeout, STORE_CONCURRENCY);
  }

  /** The certificate store. */
  public Mono<ServerResponse> certificates(ServerRequest request) {
    return search(request, LookupIndexBuilder.CERTS, CERT_ATTRIBUTES);
  }

  /** The CRL store. */
  public Mono<ServerResponse> crls(ServerRequest request) {
    return search(request, LookupIndexBuilder.CRLS, CRL_ATTRIBUTES);
  }

  /** A parsed query: the attribute as the index names it and its canonical value. */
  record Query(String attribute, String value) {}

  private Mono<ServerResponse> search(ServerRequest request, String store, Set<String> allowed) {
    String path = request.path();
    RepositorySnapshot snapshot = snapshots.current();
    if (!snapshot.loaded()) {
      return Problems.response(
          ErrorType.NOT_READY, "the repository is loading; retry shortly", path);
    }
    Query q;
    try {
      q = parse(request.uri().getRawQuery(), allowed);
    } catch (IllegalArgumentException e) {
      return Problems.response(ErrorType.BAD_REQUEST, e.getMessage(), path);
    }
    Integer tooMany = snapshot.lookups().overLimit(store, q.attribute(), q.value());
    if (tooMany != null) {
      return Problems.response(
          ErrorType.BAD_REQUEST,
          tooMany
              + " objects match "
              + q.attribute()
              + "; more than the result limit, use a narrower attribute",
          path);
    }
    Published hit = hit(snapshot, store, q);
    if (storeLookup != null
        && store.equals(LookupIndexBuilder.CERTS)
        && StoreLookup.needsStore(snapshot.lookups(), q, hit)) {
      return storeLookup.answer(request, q, hit);
    }
    if (hit == null) {
      return Problems.response(
          ErrorType.NOT_FOUND, "no " + store + " match " + q.attribute(), path);
    }
    return responder.respond(request, hit);
  }

  /** The snapshot's answer to a parsed query within the result limit, or {@code null} for none. */
  static @Nullable Published hit(RepositorySnapshot snapshot, String store, Query q) {
    return store.equals(LookupIndexBuilder.CERTS)
        ? snapshot.lookups().certificate(q.attribute(), q.value())
        : snapshot.lookups().crl(q.attribute(), q.value());
  }

  /**
   * The snapshot's answer when it is the whole answer (no certificate outside the snapshot shares
   * the key), else {@code null}: what the fast path may serve without the store.
   */
  static @Nullable Published completeHit(RepositorySnapshot snapshot, String store, Query q) {
    return store.equals(LookupIndexBuilder.CERTS)
        ? snapshot.lookups().completeCertificate(q.attribute(), q.value())
        : snapshot.lookups().crl(q.attribute(), q.value());
  }

  /**
   * Parses {@code attr=value}.
   *
   * @throws IllegalArgumentException with a message for the client when malformed
   */
  static Query parse(@Nullable String rawQuery, Set<String> allowed) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      throw new IllegalArgumentException(
          "missing query; expected one of "
              + String.join(", ", allowed.stream().sorted().toList())
              + "=<value>");
    }
    if (rawQuery.indexOf('&') >= 0 || rawQuery.indexOf(';') >= 0) {
      throw new IllegalArgumentException("exactly one attribute=value pair is allowed per query");
    }
    int eq = rawQuery.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("malformed query; expected attribute=value");
    }
    String attribute = Percent.decode(rawQuery.substring(0, eq), false).toLowerCase(Locale.ROOT);
    if (!allowed.contains(attribute)) {
      throw new IllegalArgumentException(
          "unknown attribute '"
              + attribute
              + "'; expected one of "
              + String.join(", ", allowed.stream().sorted().toList()));
    }
    String rawValue = rawQuery.substring(eq + 1);
    if (HASHES.contains(attribute)) {
      String v = Hashes.canonical(Percent.decode(rawValue, false));
      if (v == null) {
        throw new IllegalArgumentException(
            attribute
                + " must be the base64 SHA-1 hash (27 characters, '+' and '/' escaped as %2B and %2F)");
      }
      return new Query(canonicalName(attribute), v);
    }
    String text = Percent.decode(rawValue, true).trim();
    if (text.isEmpty()) {
      throw new IllegalArgumentException(attribute + " must not be empty");
    }
    return switch (attribute) {
      case "name" ->
          new Query("name", text.indexOf('=') > 0 ? dn(text) : DirectoryNames.normalizeValue(text));
      case "cn" -> new Query("cn", DirectoryNames.normalizeValue(text));
      default -> new Query(attribute, text.toLowerCase(Locale.ROOT));
    };
  }

  private static String dn(String text) {
    return DirectoryNames.normalize(text);
  }

  private static String canonicalName(String lower) {
    return switch (lower) {
      case "certhash" -> "certHash";
      case "ihash" -> "iHash";
      case "iandshash" -> "iAndSHash";
      case "shash" -> "sHash";
      default -> "sKIDHash";
    };
  }
}
