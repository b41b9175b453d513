package io.gpki.gateway.registration;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.RepositoryContentSource;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Makes gateway-held credentials (the listener's server certificate, demo operator credentials): a
 * key pair generated here, a certificate issued by the trust CA, and the chain up to that CA's
 * current self-signed certificate. The private key goes only into the credential the caller writes.
 */
public final class Enrolment {

  private final CaEngine engine;
  private final RepositoryContentSource content;
  private final Clock clock;
  private final Scheduler blocking;

  public Enrolment(
      CaEngine engine, RepositoryContentSource content, Clock clock, Scheduler blocking) {
    this.engine = engine;
    this.content = content;
    this.clock = clock;
    this.blocking = blocking;
  }

  /** Issues a credential under {@code caId}. */
  public Mono<Pkcs12Files.Credential> enrol(
      String caId,
      X500Name subject,
      CertificateProfile profile,
      List<GeneralName> sans,
      Duration validity) {
    Instant now = clock.instant();
    return Mono.fromCallable(
            () -> {
              KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
              g.initialize(2048);
              return g.generateKeyPair();
            })
        .subscribeOn(blocking)
        .flatMap(
            (KeyPair kp) ->
                engine
                    .issue(
                        caId,
                        new CaEngine.EndEntity(
                            subject,
                            SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()),
                            profile,
                            now.minus(Duration.ofMinutes(5)),
                            now.plus(validity),
                            sans,
                            null))
                    .zipWith(anchors(caId).next())
                    .map(
                        t ->
                            new Pkcs12Files.Credential(
                                kp.getPrivate(),
                                new java.security.cert.X509Certificate[] {
                                  Pkcs12Files.x509(t.getT1().der()),
                                  Pkcs12Files.x509(t.getT2().der())
                                })));
  }

  /** The CA's self-signed certificates, current key generation first: the trust anchors. */
  public Flux<CertificateRecord> anchors(String caId) {
    return content
        .load()
        .flatMapMany(
            c -> {
              int current =
                  c.cas().stream()
                      .filter(ca -> ca.id().equals(caId))
                      .mapToInt(ca -> ca.currentGeneration())
                      .findFirst()
                      .orElse(-1);
              return Flux.fromIterable(c.caCertificates())
                  .filter(
                      x -> x.kind() == CertificateKind.SELF_SIGNED && x.issuerCaId().equals(caId))
                  .sort(
                      (a, b) ->
                          Boolean.compare(
                              b.issuerGeneration() == current, a.issuerGeneration() == current));
            });
  }
}
