package io.gpki.gateway.ca;

import io.gpki.signer.CertificateProfile;
import io.gpki.sync.Revocation;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Benchmark-only setup ({@code loadtest/repository}): issues and revokes {@code count} end-entity
 * certificates under one CA so its CRL reaches benchmark size (about 3,000 entries is 100 KB). Off
 * unless {@code gpki.repository.benchmark-revocations} is set; never used by the demo or tests.
 */
public final class BenchmarkSeed {

  private static final Logger LOG = LoggerFactory.getLogger(BenchmarkSeed.class);

  private final CaEngine engine;
  private final Clock clock;

  public BenchmarkSeed(CaEngine engine, Clock clock) {
    this.engine = engine;
    this.clock = clock;
  }

  /** Issues and revokes {@code count} certificates under {@code caId}. */
  public Mono<Long> revokeMany(String caId, int count) {
    return Mono.fromCallable(
            () -> {
              KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
              g.initialize(new ECGenParameterSpec("secp256r1"));
              return SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded());
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMapMany(
            spki ->
                Flux.range(0, count)
                    .flatMap(
                        i -> {
                          Instant now = clock.instant();
                          X500Name subject =
                              new X500Name(
                                  "C=JP,O=Japanese Government,OU=Benchmark,CN=bench-"
                                      + i
                                      + "-"
                                      + now.toEpochMilli());
                          return engine
                              .issue(
                                  caId,
                                  new CaEngine.EndEntity(
                                      subject,
                                      spki,
                                      CertificateProfile.OFFICIAL_SIGNING,
                                      now.minus(Duration.ofMinutes(1)),
                                      now.plus(Duration.ofDays(365)),
                                      List.of(),
                                      null))
                              .flatMap(
                                  c ->
                                      engine.revoke(
                                          caId, c.serialHex(), new Revocation(now, 1, null)));
                        },
                        4))
        .count()
        .doOnNext(n -> LOG.info("benchmark seed: {} certificates of {} revoked", n, caId));
  }
}
