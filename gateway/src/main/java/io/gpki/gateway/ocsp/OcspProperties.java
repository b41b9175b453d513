package io.gpki.gateway.ocsp;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * OCSP responder settings under {@code gpki.ocsp.*}. Every key has a safe default; inconsistent
 * durations stop startup.
 *
 * @param validity nextUpdate minus thisUpdate of every answer
 * @param period how often pre-signed answers are signed again (must be shorter than validity)
 * @param refreshInterval the longest time between pre-signing rounds (also the change-log poll)
 * @param roundTimeout the longest one pre-signing round may take
 * @param maxStaleness pre-signed answers are served only while the cache followed the change log
 *     within this time; after that requests go to the store
 * @param minRemaining a pre-signed answer closer than this to its nextUpdate is not served
 * @param maxRequestBytes the largest request accepted (POST body, decoded GET)
 * @param maxCertificates the most certificates in one request
 * @param liveSigningConcurrency live signatures at once (nonce requests, cache misses); more get
 *     {@code tryLater}
 * @param liveSigningTimeout the longest a live signature may take
 * @param repositoryTimeout the longest a store lookup may take
 * @param repositoryConcurrency store lookups at once; more get {@code tryLater}
 * @param requestTimeout the longest a whole request may take
 * @param maxCacheAge upper bound of the HTTP max-age (it never runs past nextUpdate either)
 * @param responderValidity lifetime of a delegated responder certificate
 * @param responderRenewBefore a responder certificate is reissued this long before it expires
 * @param presignConcurrency pre-signing signatures at once (leaves signer capacity for live ones)
 */
@Validated
@ConfigurationProperties("gpki.ocsp")
public record OcspProperties(
    @DefaultValue("2h") Duration validity,
    @DefaultValue("1h") Duration period,
    @DefaultValue("5s") Duration refreshInterval,
    @DefaultValue("10m") Duration roundTimeout,
    @DefaultValue("5m") Duration maxStaleness,
    @DefaultValue("1m") Duration minRemaining,
    @DefaultValue("4096") @Min(64) @Max(65536) int maxRequestBytes,
    @DefaultValue("8") @Min(1) @Max(100) int maxCertificates,
    @DefaultValue("4") @Min(1) int liveSigningConcurrency,
    @DefaultValue("3s") Duration liveSigningTimeout,
    @DefaultValue("2s") Duration repositoryTimeout,
    @DefaultValue("32") @Min(1) int repositoryConcurrency,
    @DefaultValue("5s") Duration requestTimeout,
    @DefaultValue("1h") Duration maxCacheAge,
    @DefaultValue("30d") Duration responderValidity,
    @DefaultValue("10d") Duration responderRenewBefore,
    @DefaultValue("2") @Min(1) int presignConcurrency) {

  public OcspProperties {
    require(
        period.compareTo(validity) < 0, "gpki.ocsp.period must be shorter than gpki.ocsp.validity");
    require(
        minRemaining.compareTo(validity.minus(period)) < 0,
        "gpki.ocsp.min-remaining must be shorter than validity minus period (else re-signed answers"
            + " would never be served)");
    require(
        responderRenewBefore.compareTo(validity) > 0,
        "gpki.ocsp.responder-renew-before must exceed gpki.ocsp.validity (answers must expire before"
            + " the responder certificate that signed them)");
    require(
        responderValidity.compareTo(responderRenewBefore) > 0,
        "gpki.ocsp.responder-validity must exceed gpki.ocsp.responder-renew-before");
  }

  /** Every default: what runs with nothing configured. */
  public static OcspProperties defaults() {
    return new OcspProperties(
        Duration.ofHours(2),
        Duration.ofHours(1),
        Duration.ofSeconds(5),
        Duration.ofMinutes(10),
        Duration.ofMinutes(5),
        Duration.ofMinutes(1),
        4096,
        8,
        4,
        Duration.ofSeconds(3),
        Duration.ofSeconds(2),
        32,
        Duration.ofSeconds(5),
        Duration.ofHours(1),
        Duration.ofDays(30),
        Duration.ofDays(10),
        2);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
