package io.gpki.gateway.validation;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the validation service under {@code gpki.validation.*}. Every key has a safe default.
 *
 * @param trustAnchors CA ids whose current self-signed certificate may be named as trust anchor;
 *     the first is the default
 * @param maxRequestBytes largest JSON or DER request body
 * @param maxBatchItems most certificates in one batch request
 * @param maxIntermediates most untrusted intermediates per certificate
 * @param testCenter test-center mode: requests may carry their own trust anchors and CRLs (off by
 *     default; for connection tests of cross-certifying CAs and conformance suites only)
 * @param discovery path discovery limits
 * @param fetch external fetching (AIA, CDP, OCSP)
 * @param credentials the service's own TLS listener and verdict signing (both off by default)
 * @param ownOcsp ask our own OCSP responder, in process, about end-entity certificates of our CAs
 *     (its pre-signed answers, besides the CRL); {@code false} for CRLs only
 */
@Validated
@ConfigurationProperties("gpki.validation")
public record ValidationProperties(
    @DefaultValue("osca") @NotEmpty List<String> trustAnchors,
    @DefaultValue("262144") @Min(1024) int maxRequestBytes,
    @DefaultValue("100") @Min(1) @Max(10_000) int maxBatchItems,
    @DefaultValue("20") @Min(0) int maxIntermediates,
    @DefaultValue("false") boolean testCenter,
    @DefaultValue @Valid Discovery discovery,
    @DefaultValue @Valid Fetch fetch,
    @DefaultValue @Valid Credentials credentials,
    @DefaultValue("true") boolean ownOcsp) {

  /**
   * The validation service's own certificates, issued by the first trust anchor's CA at start-up.
   *
   * @param signing offer signed verdicts ({@code "sign": true}); JWS RS256 with x5c
   * @param tlsPort serve the validation API over HTTPS on this port too (0 = off)
   * @param tlsHost the host name in the TLS certificate
   */
  public record Credentials(
      @DefaultValue("false") boolean signing,
      @DefaultValue("0") @Min(0) @Max(65535) int tlsPort,
      @DefaultValue("localhost") String tlsHost) {}

  /**
   * Path discovery limits (see {@link Limits}).
   *
   * @param maxDepth most certificates on a path, anchor included
   * @param maxCandidates most complete paths validated per certificate
   * @param maxExpansions most issuer candidates examined per certificate
   * @param timeBudget wall-clock budget per certificate
   * @param maxFetchRounds how often missing issuers or revocation data are fetched and discovery
   *     rerun
   */
  public record Discovery(
      @DefaultValue("10") @Min(2) @Max(32) int maxDepth,
      @DefaultValue("32") @Min(1) int maxCandidates,
      @DefaultValue("5000") @Min(1) int maxExpansions,
      @DefaultValue("2s") Duration timeBudget,
      @DefaultValue("3") @Min(0) @Max(10) int maxFetchRounds) {

    /** As engine limits. */
    public Limits limits() {
      return new Limits(maxDepth, maxCandidates, maxExpansions, timeBudget, 3);
    }
  }

  /**
   * Fetching certificates, CRLs and OCSP responses from external CAs.
   *
   * @param timeout per fetch
   * @param maxCrlBytes largest CRL accepted
   * @param maxCertBytes largest certificate or caIssuers bundle accepted
   * @param allowPrivateTargets allow loopback, private and link-local targets (tests, closed
   *     networks)
   * @param ldapThreads threads for blocking LDAP fetches
   * @param failureCacheTime how long a failed fetch is not retried
   * @param refreshAhead how long before a cached CRL's nextUpdate it is refreshed in the background
   * @param refreshInterval how often the background refresh runs
   * @param maxCachedCrls most external CRLs cached
   * @param allowedPrivateAddresses IP addresses allowed although not public (an external CA's
   *     repository on a closed network), without opening every private target; empty by default
   */
  public record Fetch(
      @DefaultValue("5s") Duration timeout,
      @DefaultValue("67108864") @Min(1024) int maxCrlBytes,
      @DefaultValue("1048576") @Min(1024) int maxCertBytes,
      @DefaultValue("false") boolean allowPrivateTargets,
      @DefaultValue("4") @Min(1) int ldapThreads,
      @DefaultValue("30s") Duration failureCacheTime,
      @DefaultValue("5m") Duration refreshAhead,
      @DefaultValue("1m") Duration refreshInterval,
      @DefaultValue("1000") @Min(1) int maxCachedCrls,
      @DefaultValue List<String> allowedPrivateAddresses) {

    public Fetch {
      allowedPrivateAddresses =
          allowedPrivateAddresses == null ? List.of() : List.copyOf(allowedPrivateAddresses);
      UrlGuard.addresses(
          allowedPrivateAddresses); // an entry that is not an IP literal stops startup
    }
  }
}
