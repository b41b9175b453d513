package io.gpki.gateway.repository;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the repository's lookup interfaces under {@code gpki.repository.*}. Every key has a
 * safe default.
 *
 * @param operatorApiEnabled lets the default access check allow the repository's operator endpoints
 *     (referrals, access report); off by default until the operations issue brings mTLS roles
 * @param maxResults most objects one lookup may answer (RFC 4387, LDAP over HTTP, LDAP)
 * @param maxQueryLength longest raw query string of an HTTP lookup, in characters
 * @param maxFilterLength longest LDAP filter (HTTP or LDAP), in characters
 * @param http concurrency limits of the HTTP interfaces
 * @param ldap the LDAPv3 listener
 */
@Validated
@ConfigurationProperties("gpki.repository")
public record RepositoryProperties(
    @DefaultValue("false") boolean operatorApiEnabled,
    @DefaultValue("100") @Min(1) @Max(10000) int maxResults,
    @DefaultValue("2048") @Min(64) int maxQueryLength,
    @DefaultValue("1024") @Min(16) int maxFilterLength,
    @DefaultValue @Valid Http http,
    @DefaultValue @Valid Ldap ldap) {

  /**
   * Per-interface admission for HTTP lookups (files, RFC 4387 certificate store, RFC 4387 CRL
   * store, LDAP over HTTP): at most {@code maxConcurrent} requests in progress each, at most {@code
   * maxQueue} waiting; a request that cannot start within {@code queueTimeout} or finds the queue
   * full gets 503 with Retry-After.
   *
   * @param maxConcurrent requests in progress per interface
   * @param maxQueue requests waiting per interface
   * @param queueTimeout longest wait for a slot
   * @param readTimeout longest pause while the server reads a request (slow clients)
   * @param requestTimeout longest time to receive a whole request
   * @param fastPath answer unconditional GET/HEAD hits of pre-encoded objects on the event loop,
   *     ahead of WebFlux (see {@code docs/repository.md}); such answers complete without waiting
   *     and are not counted against {@code maxConcurrent}
   */
  public record Http(
      @DefaultValue("256") @Min(1) int maxConcurrent,
      @DefaultValue("1024") @Min(0) int maxQueue,
      @DefaultValue("2s") Duration queueTimeout,
      @DefaultValue("10s") Duration readTimeout,
      @DefaultValue("30s") Duration requestTimeout,
      @DefaultValue("true") boolean fastPath) {}

  /**
   * The LDAPv3 listener.
   *
   * @param enabled whether it runs
   * @param bindAddress listen address
   * @param port listen port; 0 picks a free one (tests)
   * @param advertisedHost the host named in the discovery index's {@code ldap://} URL
   * @param maxConnections concurrent client connections (each holds a thread)
   * @param maxConcurrentSearches searches in progress at once; more wait up to {@code queueTimeout}
   * @param queueTimeout longest wait for a search slot before {@code busy}
   * @param idleTimeout a connection that sends nothing this long is closed
   * @param maxMessageBytes largest request accepted
   */
  public record Ldap(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
      @DefaultValue("1389") @Min(0) @Max(65535) int port,
      @DefaultValue("localhost") @NotBlank String advertisedHost,
      @DefaultValue("256") @Min(1) int maxConnections,
      @DefaultValue("16") @Min(1) int maxConcurrentSearches,
      @DefaultValue("1s") Duration queueTimeout,
      @DefaultValue("60s") Duration idleTimeout,
      @DefaultValue("65536") @Min(1024) int maxMessageBytes) {}
}
