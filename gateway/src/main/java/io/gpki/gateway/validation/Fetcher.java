package io.gpki.gateway.validation;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.gpki.gateway.net.CheckedResolverGroup;
import io.gpki.gateway.net.TargetResolver;
import io.netty.channel.ChannelOption;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.client.HttpClient;

/**
 * Fetches bytes from URLs named in certificates: HTTP(S) with Reactor Netty (non-blocking) and LDAP
 * with the UnboundID client on a bounded scheduler (it blocks). Every fetch is guarded against SSRF
 * (the URL, then every address its host resolves to, before connecting, and the connection goes to
 * exactly a checked address), capped in size, given a timeout, retried once (reads are idempotent)
 * and runs behind a circuit breaker per host named {@code validation-fetch:<host>}.
 */
final class Fetcher {

  /** A fetch that did not produce content. */
  static class FetchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FetchException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * A target the SSRF guard refused before any connection. Neither retried (the answer would be the
   * same) nor counted by the host's circuit breaker (it says nothing about the host's health).
   */
  static final class Refused extends FetchException {
    private static final long serialVersionUID = 1L;

    Refused(String url, String reason) {
      super("refused " + url + ": " + reason);
    }
  }

  private static final int MAX_REDIRECTS = 3;

  private final UrlGuard guard;
  private final TargetResolver resolver;
  private final Duration timeout;
  private final Scheduler ldapScheduler;
  private final CircuitBreakerRegistry breakers;
  private final CircuitBreakerConfig breakerConfig;
  private final Retry retry;
  private final HttpClient http;

  /**
   * With the system resolver on {@code ldapScheduler} (tests that need no resolver of their own).
   */
  Fetcher(
      UrlGuard guard,
      Duration timeout,
      Scheduler ldapScheduler,
      CircuitBreakerRegistry breakers,
      RetryRegistry retries) {
    this(guard, TargetResolver.system(ldapScheduler), timeout, ldapScheduler, breakers, retries);
  }

  Fetcher(
      UrlGuard guard,
      TargetResolver resolver,
      Duration timeout,
      Scheduler ldapScheduler,
      CircuitBreakerRegistry breakers,
      RetryRegistry retries) {
    this.guard = guard;
    this.resolver = resolver;
    this.timeout = timeout;
    this.ldapScheduler = ldapScheduler;
    this.breakers = breakers;
    this.breakerConfig =
        CircuitBreakerConfig.from(breakers.getDefaultConfig())
            .ignoreExceptions(Refused.class)
            .build();
    this.retry =
        retries.retry(
            "validation-fetch",
            RetryConfig.from(retries.getDefaultConfig()).ignoreExceptions(Refused.class).build());
    this.http =
        HttpClient.create()
            .followRedirect(false)
            .responseTimeout(timeout)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeout.toMillis(), 30_000))
            // The only lookup: resolve, check every address, and hand Netty just those to connect
            // to.
            .resolver(new CheckedResolverGroup(host -> checked(host)))
            .doOnConnected(
                c -> {
                  // Unreachable with the resolver above (a second line of defence, e.g. behind a
                  // proxy).
                  if (c.channel().remoteAddress() instanceof InetSocketAddress a
                      && !guard.allowed(a.getAddress())) {
                    c.dispose();
                    throw new FetchException(
                        "connected address " + a.getAddress() + " is not public");
                  }
                });
  }

  /** GETs {@code url} (http, https or ldap), at most {@code maxBytes}. */
  Mono<byte[]> get(String url, int maxBytes) {
    return Mono.defer(() -> fetch(url, null, null, maxBytes, 0))
        .transformDeferred(RetryOperator.of(retry))
        .transformDeferred(CircuitBreakerOperator.of(breaker(url)));
  }

  /** Attributes read at an ldap caIssuers URL that names none (RFC 5280 4.2.2.1). */
  static final List<String> CA_ATTRIBUTES =
      List.of("cACertificate;binary", "crossCertificatePair;binary");

  /**
   * Everything at a caIssuers {@code url}: for http(s) the body; for ldap every value of every
   * attribute the URL names, or of {@link #CA_ATTRIBUTES} when it names none (a CA's entry holds
   * several CA certificates and cross-certificate pairs). At most {@code maxBytes} in all.
   */
  Mono<List<byte[]>> getAll(String url, int maxBytes) {
    if (!url.regionMatches(true, 0, "ldap:", 0, 5)) {
      return get(url, maxBytes).map(List::of);
    }
    return Mono.defer(
            () -> {
              String refused = guard.refuse(url);
              return refused != null
                  ? Mono.<List<byte[]>>error(new Refused(url, refused))
                  : ldapAddress(url)
                      .flatMap(
                          a ->
                              Mono.fromCallable(() -> ldapAll(url, a, maxBytes))
                                  .subscribeOn(ldapScheduler))
                      .onErrorMap(UrlGuard.Refused.class, e -> refused(url, e))
                      .timeout(timeout);
            })
        .transformDeferred(RetryOperator.of(retry))
        .transformDeferred(CircuitBreakerOperator.of(breaker(url)));
  }

  /** POSTs {@code body} to an http(s) {@code url} (OCSP; not retried: a nonce makes it unique). */
  Mono<byte[]> post(String url, String contentType, byte[] body, int maxBytes) {
    return Mono.defer(() -> fetch(url, contentType, body, maxBytes, MAX_REDIRECTS))
        .transformDeferred(CircuitBreakerOperator.of(breaker(url)));
  }

  private Mono<byte[]> fetch(
      String url,
      @Nullable String contentType,
      byte @Nullable [] body,
      int maxBytes,
      int redirects) {
    String refused = guard.refuse(url);
    if (refused != null) {
      return Mono.error(new Refused(url, refused));
    }
    return fetchChecked(url, contentType, body, maxBytes, redirects)
        .onErrorMap(UrlGuard.Refused.class, e -> refused(url, e));
  }

  /** The same answer for every refused target, whether something listens there or not. */
  private static Refused refused(String url, UrlGuard.Refused e) {
    return new Refused(url, String.valueOf(e.getMessage()));
  }

  /** The circuit breaker of the URL's host. */
  private CircuitBreaker breaker(String url) {
    return breakers.circuitBreaker("validation-fetch:" + host(url), breakerConfig);
  }

  /** The guard's resolve-and-check of {@code host}, bounded by the fetch timeout. */
  private Mono<List<InetAddress>> checked(String host) {
    return guard.check(host, resolver).timeout(timeout);
  }

  private Mono<byte[]> fetchChecked(
      String url,
      @Nullable String contentType,
      byte @Nullable [] body,
      int maxBytes,
      int redirects) {
    if (url.regionMatches(true, 0, "ldap:", 0, 5)) {
      return ldap(url, maxBytes);
    }
    HttpClient.ResponseReceiver<?> request =
        body == null
            ? http.get().uri(url)
            : http.headers(h -> h.set("Content-Type", contentType))
                .post()
                .uri(url)
                .send(Mono.just(io.netty.buffer.Unpooled.wrappedBuffer(body)));
    return request
        .response(
            (res, content) -> {
              int status = res.status().code();
              if (status >= 300 && status < 400 && res.responseHeaders().get("Location") != null) {
                if (redirects >= MAX_REDIRECTS) {
                  return Mono.error(new FetchException("too many redirects at " + url));
                }
                String next =
                    URI.create(url).resolve(res.responseHeaders().get("Location")).toString();
                return content.then(fetch(next, contentType, body, maxBytes, redirects + 1));
              }
              if (status != 200) {
                return content.then(
                    Mono.error(new FetchException("HTTP " + status + " from " + url)));
              }
              long declared = res.responseHeaders().getInt("Content-Length", -1);
              if (declared > maxBytes) {
                return Mono.error(
                    new FetchException(url + " is larger than " + maxBytes + " bytes"));
              }
              return content
                  .asByteArray()
                  .collect(
                      ByteArrayOutputStream::new,
                      (out, chunk) -> {
                        if (out.size() + chunk.length > maxBytes) {
                          throw new FetchException(url + " is larger than " + maxBytes + " bytes");
                        }
                        out.writeBytes(chunk);
                      })
                  .map(ByteArrayOutputStream::toByteArray);
            })
        .next()
        .timeout(timeout);
  }

  private Mono<byte[]> ldap(String url, int maxBytes) {
    return ldapAddress(url)
        .flatMap(
            a -> Mono.fromCallable(() -> ldapBlocking(url, a, maxBytes)).subscribeOn(ldapScheduler))
        .timeout(timeout);
  }

  /** The first of the checked addresses of the LDAP URL's host (the only lookup for this fetch). */
  private Mono<InetAddress> ldapAddress(String url) {
    String host;
    try {
      host = new LDAPURL(url).getHost();
    } catch (com.unboundid.ldap.sdk.LDAPException e) {
      return Mono.error(new FetchException("malformed LDAP URL " + url));
    }
    return checked(host).map(list -> list.get(0));
  }

  /**
   * A connection to {@code address}, which the SSRF guard has checked (never a name: no second
   * lookup), with the fetch timeout and a message size bound of {@code maxBytes}. Blocking: LDAP
   * scheduler only.
   */
  private LDAPConnection connect(LDAPURL u, InetAddress address, int maxBytes) throws Exception {
    LDAPConnectionOptions options = new LDAPConnectionOptions();
    options.setConnectTimeoutMillis((int) timeout.toMillis());
    options.setResponseTimeoutMillis(timeout.toMillis());
    options.setMaxMessageSize(maxBytes + 4096);
    return new LDAPConnection(options, address.getHostAddress(), u.getPort());
  }

  private byte[] ldapBlocking(String url, InetAddress address, int maxBytes) throws Exception {
    LDAPURL u = new LDAPURL(url);
    String[] attributes = u.getAttributes();
    try (LDAPConnection c = connect(u, address, maxBytes)) {
      SearchResult r =
          c.search(
              new SearchRequest(
                  u.getBaseDN().toString(), SearchScope.BASE, u.getFilter(), attributes));
      for (SearchResultEntry e : r.getSearchEntries()) {
        for (String a :
            attributes.length == 0
                ? new String[] {"certificateRevocationList;binary"}
                : attributes) {
          byte[] v = e.getAttributeValueBytes(a);
          if (v == null && a.toLowerCase(Locale.ROOT).endsWith(";binary")) {
            v = e.getAttributeValueBytes(a.substring(0, a.length() - ";binary".length()));
          }
          if (v != null) {
            if (v.length > maxBytes) {
              throw new FetchException(url + " is larger than " + maxBytes + " bytes");
            }
            return v;
          }
        }
      }
    }
    throw new FetchException("no value at " + url);
  }

  private List<byte[]> ldapAll(String url, InetAddress address, int maxBytes) throws Exception {
    LDAPURL u = new LDAPURL(url);
    String[] attributes =
        u.getAttributes().length == 0 ? CA_ATTRIBUTES.toArray(String[]::new) : u.getAttributes();
    List<byte[]> out = new ArrayList<>();
    long total = 0;
    try (LDAPConnection c = connect(u, address, maxBytes)) {
      SearchResult r =
          c.search(
              new SearchRequest(
                  u.getBaseDN().toString(), SearchScope.BASE, u.getFilter(), attributes));
      for (SearchResultEntry e : r.getSearchEntries()) {
        for (String a : attributes) {
          byte[][] values = e.getAttributeValueByteArrays(a);
          if (values == null && a.toLowerCase(Locale.ROOT).endsWith(";binary")) {
            values = e.getAttributeValueByteArrays(a.substring(0, a.length() - ";binary".length()));
          }
          for (byte[] v : values == null ? new byte[0][] : values) {
            total += v.length;
            if (total > maxBytes) {
              throw new FetchException(url + " is larger than " + maxBytes + " bytes");
            }
            out.add(v);
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new FetchException("no value at " + url);
    }
    return out;
  }

  static String host(String url) {
    try {
      String h = URI.create(url).getHost();
      return h == null ? "unknown" : h.toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return "unknown";
    }
  }
}
