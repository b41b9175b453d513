package io.gpki.gateway.validation;

import io.gpki.gateway.BackgroundLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSSignedData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * External CRLs and caIssuers certificates by URL. A CRL is kept until its nextUpdate and refreshed
 * in the background shortly before; failures are remembered for a short while so a dead server is
 * not asked on every request; concurrent requests for one URL share one fetch. Parsing (large CRLs)
 * runs on the parallel scheduler, off the event loop.
 */
final class RemoteCache {

  private static final Logger LOG = LoggerFactory.getLogger(RemoteCache.class);
  private static final Duration NO_NEXT_UPDATE_TTL = Duration.ofHours(1);
  private static final Duration CERT_TTL = Duration.ofHours(1);

  private record Entry<T>(T value, Instant expires) {}

  private final Fetcher fetcher;
  private final ValidationProperties.Fetch cfg;
  private final Clock clock;
  private final Map<String, Entry<CrlInfo>> crls = new ConcurrentHashMap<>();
  private final Map<String, Entry<List<Cert>>> certs = new ConcurrentHashMap<>();
  private final Map<String, Instant> failures = new ConcurrentHashMap<>();
  private final Map<String, Mono<?>> inFlight = new ConcurrentHashMap<>();

  RemoteCache(Fetcher fetcher, ValidationProperties.Fetch cfg, Clock clock) {
    this.fetcher = fetcher;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** The CRL at {@code url}; errors when it cannot be had. */
  Mono<CrlInfo> crl(String url) {
    Entry<CrlInfo> e = crls.get(url);
    if (e != null && clock.instant().isBefore(e.expires())) {
      return Mono.just(e.value());
    }
    return shared("crl:" + url, fetchCrl(url));
  }

  private Mono<CrlInfo> fetchCrl(String url) {
    return fetcher
        .get(url, cfg.maxCrlBytes())
        .publishOn(Schedulers.parallel())
        .map(der -> CrlInfo.parse(der, url))
        .doOnNext(
            crl -> {
              Instant expires =
                  crl.nextUpdate() != null
                      ? crl.nextUpdate()
                      : clock.instant().plus(NO_NEXT_UPDATE_TTL);
              evictIfFull();
              crls.put(url, new Entry<>(crl, expires));
              LOG.info(
                  "cached CRL {} ({} entries, {} KiB compact, nextUpdate {})",
                  url,
                  crl.size(),
                  crl.entryBytes() / 1024,
                  crl.nextUpdate());
            });
  }

  /**
   * The certificates at a caIssuers {@code url}: a DER certificate or a certs-only CMS bundle
   * (http), or every cACertificate and crossCertificatePair value of the entry (ldap).
   */
  Mono<List<Cert>> certificates(String url) {
    Entry<List<Cert>> e = certs.get(url);
    if (e != null && clock.instant().isBefore(e.expires())) {
      return Mono.just(e.value());
    }
    return shared(
        "aia:" + url,
        fetcher
            .getAll(url, cfg.maxCertBytes())
            .map(values -> values.stream().flatMap(v -> parseCertificates(v).stream()).toList())
            .doOnNext(list -> certs.put(url, new Entry<>(list, clock.instant().plus(CERT_TTL)))));
  }

  @SuppressWarnings("unchecked") // one map holds Monos of several types; the key names the type
  private <T> Mono<T> shared(String key, Mono<T> fetch) {
    Instant failedAt = failures.get(key);
    if (failedAt != null && clock.instant().isBefore(failedAt.plus(cfg.failureCacheTime()))) {
      return Mono.error(
          new Fetcher.FetchException("recently failed: " + key.substring(key.indexOf(':') + 1)));
    }
    return (Mono<T>)
        inFlight.computeIfAbsent(
            key,
            k ->
                fetch
                    .doOnError(x -> failures.put(k, clock.instant()))
                    .doOnSuccess(x -> failures.remove(k))
                    .doFinally(s -> inFlight.remove(k))
                    .cache());
  }

  static List<Cert> parseCertificates(byte[] bytes) {
    try {
      return List.of(Cert.parse(bytes, Source.AIA));
    } catch (IllegalArgumentException notACertificate) {
      try {
        List<Cert> out = new ArrayList<>();
        Collection<X509CertificateHolder> all =
            new CMSSignedData(bytes).getCertificates().getMatches(null);
        for (X509CertificateHolder h : all) {
          out.add(Cert.parse(h.getEncoded(), Source.AIA));
        }
        return out;
      } catch (Exception notCms) {
        return crossPair(bytes);
      }
    }
  }

  /** An LDAP crossCertificatePair value (X.509 CertificatePair): both halves. */
  private static List<Cert> crossPair(byte[] bytes) {
    try {
      // getInstance takes an ASN.1 object, not bytes: decode first (passing the byte[] always
      // failed).
      org.bouncycastle.asn1.x509.CertificatePair pair =
          org.bouncycastle.asn1.x509.CertificatePair.getInstance(
              org.bouncycastle.asn1.ASN1Primitive.fromByteArray(bytes));
      List<Cert> out = new ArrayList<>();
      for (var c :
          new org.bouncycastle.asn1.x509.Certificate[] {pair.getForward(), pair.getReverse()}) {
        if (c != null) {
          out.add(Cert.parse(c.getEncoded("DER"), Source.AIA));
        }
      }
      return out;
    } catch (Exception e) {
      throw new Fetcher.FetchException(
          "caIssuers content is not a certificate, CMS bundle or certificate pair");
    }
  }

  private void evictIfFull() {
    while (crls.size() >= cfg.maxCachedCrls()) {
      crls.entrySet().stream()
          .min(Comparator.comparing(x -> x.getValue().expires()))
          .ifPresent(x -> crls.remove(x.getKey()));
    }
  }

  /** Starts the background refresh of CRLs whose nextUpdate is near. */
  Disposable startRefresh() {
    return BackgroundLoop.start(
        "CRL cache refresh",
        Flux.interval(cfg.refreshInterval()),
        () ->
            Flux.fromIterable(List.copyOf(crls.entrySet()))
                .filter(
                    e -> clock.instant().plus(cfg.refreshAhead()).isAfter(e.getValue().expires()))
                .concatMap(
                    e ->
                        fetchCrl(e.getKey())
                            .onErrorResume(
                                x -> {
                                  LOG.warn(
                                      "background refresh of {} failed: {}",
                                      e.getKey(),
                                      x.toString());
                                  return Mono.empty();
                                })));
  }

  /** Number of cached CRLs (metrics, tests). */
  int cachedCrls() {
    return crls.size();
  }
}
