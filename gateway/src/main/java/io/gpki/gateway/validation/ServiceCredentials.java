package io.gpki.gateway.validation;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The validation service's own keys and certificates, both issued by the trust anchor CA: a TLS server
 * certificate for the HTTPS listener and a signing certificate for signed verdicts (JWS, RS256, with
 * the certificate chain in {@code x5c}). The keys are generated at start-up and live in memory only;
 * each start gets fresh certificates, so no private key is ever written anywhere.
 */
public final class ServiceCredentials {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceCredentials.class);

  /** A key with its certificate chain (end entity first, then the issuing CA). */
  public record Credential(PrivateKey key, List<X509Certificate> chain) {}

  private final AtomicReference<@Nullable Credential> signing = new AtomicReference<>();
  private final AtomicReference<@Nullable Credential> tls = new AtomicReference<>();

  /** Issues the credentials once the anchor certificate is known; key generation runs on {@code cpu}. */
  public Mono<Void> init(
      CertificateIssuer issuer, byte[] anchorDer, boolean wantSigning, boolean wantTls, String host, Scheduler cpu) {
    Mono<Void> s = wantSigning ? credential(issuer, anchorDer, false, host, cpu).doOnNext(signing::set).then() : Mono.empty();
    Mono<Void> t = wantTls ? credential(issuer, anchorDer, true, host, cpu).doOnNext(tls::set).then() : Mono.empty();
    return s.then(t);
  }

  private static Mono<Credential> credential(
      CertificateIssuer issuer, byte[] anchorDer, boolean forTls, String host, Scheduler cpu) {
    X500Name subject =
        new X500Name("CN=" + (forTls ? host : "GPKI Validation Service Verdict Signer")
            + ",OU=GPKI Validation Service,O=Japanese Government,C=JP");
    return Mono.fromCallable(
            () -> {
              KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
              g.initialize(2048);
              return g.generateKeyPair();
            })
        .subscribeOn(cpu)
        .flatMap(
            (KeyPair kp) ->
                issuer
                    .issue(subject, SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()), forTls, host)
                    .map(der -> new Credential(kp.getPrivate(), List.of(x509(der), x509(anchorDer)))))
        .timeout(Duration.ofSeconds(60))
        .doOnNext(c -> LOG.info("validation service {} certificate issued: {}", forTls ? "TLS" : "signing",
            c.chain().get(0).getSubjectX500Principal()));
  }

  static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The TLS credential, once issued. */
  public @Nullable Credential tls() {
    return tls.get();
  }

  /** Whether verdicts can be signed now. */
  public boolean canSign() {
    return signing.get() != null;
  }

  /**
   * A JWS compact serialization (RFC 7515) of {@code payload}: RS256, {@code x5c} = signing certificate
   * and its issuer, {@code cty} = application/json. Call off the event loop when throughput matters
   * (one RSA private-key operation).
   */
  public String sign(byte[] payload) {
    Credential c = signing.get();
    if (c == null) {
      throw new IllegalStateException("no signing credential");
    }
    try {
      Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
      StringBuilder header = new StringBuilder("{\"alg\":\"RS256\",\"typ\":\"JOSE\",\"cty\":\"application/json\",\"x5c\":[");
      for (int i = 0; i < c.chain().size(); i++) {
        header.append(i == 0 ? "" : ",").append('"')
            .append(Base64.getEncoder().encodeToString(c.chain().get(i).getEncoded())).append('"');
      }
      header.append("]}");
      String input = url.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "." + url.encodeToString(payload);
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initSign(c.key());
      sig.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + url.encodeToString(sig.sign());
    } catch (Exception e) {
      throw new IllegalStateException("cannot sign the verdict", e);
    }
  }
}
