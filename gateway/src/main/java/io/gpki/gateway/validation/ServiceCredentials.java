package io.gpki.gateway.validation;

import io.gpki.gateway.registration.Pkcs12Files;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The validation service's own keys and certificates, both issued by the trust anchor CA: a TLS
 * server certificate for the HTTPS listener and a signing certificate for signed verdicts (JWS,
 * RS256, with the certificate chain in {@code x5c}). Each is kept in the data folder ({@code
 * validation/tls.p12} and {@code validation/signing.p12}, each with its generated password file,
 * both readable by the owner only, like the LRA listener's credential) and reused at the next start
 * while it was issued by the current anchor certificate, names the configured host (TLS), and is
 * valid for more than {@value #RENEW_DAYS} more days; otherwise a new key is generated and a new
 * certificate issued. Relying parties that pinned the verdict signer's certificate keep it across
 * restarts. No private key is logged or stored anywhere else.
 */
public final class ServiceCredentials {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceCredentials.class);
  static final int RENEW_DAYS = 30;

  /** A key with its certificate chain (end entity first, then the issuing CA). */
  public record Credential(PrivateKey key, List<X509Certificate> chain) {}

  private final AtomicReference<@Nullable Credential> signing = new AtomicReference<>();
  private final AtomicReference<@Nullable Credential> tls = new AtomicReference<>();

  /**
   * Loads or issues the credentials once the anchor certificate is known.
   *
   * @param dir where the credentials are kept ({@code null}: memory only, fresh at each start)
   * @param cpu key generation; {@code files} reading and writing the PKCS#12 files
   */
  public Mono<Void> init(
      CertificateIssuer issuer,
      byte[] anchorDer,
      boolean wantSigning,
      boolean wantTls,
      String host,
      @Nullable Path dir,
      Clock clock,
      Scheduler cpu,
      Scheduler files) {
    Mono<Void> s =
        wantSigning
            ? kept(dir, "signing", issuer, anchorDer, false, host, clock, cpu, files)
                .doOnNext(signing::set)
                .then()
            : Mono.empty();
    Mono<Void> t =
        wantTls
            ? kept(dir, "tls", issuer, anchorDer, true, host, clock, cpu, files)
                .doOnNext(tls::set)
                .then()
            : Mono.empty();
    return s.then(t);
  }

  private static Mono<Credential> kept(
      @Nullable Path dir,
      String name,
      CertificateIssuer issuer,
      byte[] anchorDer,
      boolean forTls,
      String host,
      Clock clock,
      Scheduler cpu,
      Scheduler files) {
    if (dir == null) {
      return credential(issuer, anchorDer, forTls, host, cpu);
    }
    Path file = dir.resolve(name + ".p12");
    return Mono.fromCallable(
            () -> Optional.ofNullable(reusable(file, anchorDer, forTls, host, clock)))
        .subscribeOn(files)
        .flatMap(
            existing ->
                existing.isPresent()
                    ? Mono.just(existing.get())
                        .doOnNext(
                            c ->
                                LOG.info(
                                    "validation service {} certificate reused from {}: {}",
                                    forTls ? "TLS" : "signing",
                                    file,
                                    c.chain().get(0).getSubjectX500Principal()))
                    : credential(issuer, anchorDer, forTls, host, cpu)
                        .flatMap(
                            c ->
                                Mono.fromCallable(
                                        () -> {
                                          Pkcs12Files.write(
                                              file,
                                              new Pkcs12Files.Credential(
                                                  c.key(),
                                                  c.chain().toArray(X509Certificate[]::new)));
                                          return c;
                                        })
                                    .subscribeOn(files)));
  }

  /** The credential in {@code file} when it can still be used, else {@code null}. Blocking. */
  static @Nullable Credential reusable(
      Path file, byte[] anchorDer, boolean forTls, String host, Clock clock) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      Pkcs12Files.Credential c = Pkcs12Files.read(file, Pkcs12Files.passwordFile(file));
      X509Certificate cert = c.certificate();
      boolean sameAnchor =
          c.chain().length == 2 && Arrays.equals(c.chain()[1].getEncoded(), anchorDer);
      boolean fresh =
          cert.getNotAfter().toInstant().isAfter(clock.instant().plus(Duration.ofDays(RENEW_DAYS)));
      boolean sameHost = !forTls || host.equals(commonName(cert));
      if (sameAnchor && fresh && sameHost) {
        return new Credential(c.key(), List.of(c.chain()));
      }
      LOG.info(
          "validation service credential in {} is not reused (same anchor {}, valid long enough {}, same host {})",
          file,
          sameAnchor,
          fresh,
          sameHost);
      return null;
    } catch (RuntimeException | java.security.cert.CertificateEncodingException e) {
      LOG.warn(
          "validation service credential in {} cannot be read; issuing a new one: {}",
          file,
          e.toString());
      return null;
    }
  }

  private static @Nullable String commonName(X509Certificate cert) {
    org.bouncycastle.asn1.x500.RDN[] cn =
        X500Name.getInstance(cert.getSubjectX500Principal().getEncoded())
            .getRDNs(org.bouncycastle.asn1.x500.style.BCStyle.CN);
    return cn.length == 1
        ? org.bouncycastle.asn1.x500.style.IETFUtils.valueToString(cn[0].getFirst().getValue())
        : null;
  }

  private static Mono<Credential> credential(
      CertificateIssuer issuer, byte[] anchorDer, boolean forTls, String host, Scheduler cpu) {
    X500Name subject =
        new X500Name(
            "CN="
                + (forTls ? host : "GPKI Validation Service Verdict Signer")
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
                    .issue(
                        subject,
                        SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded()),
                        forTls,
                        host)
                    .map(
                        der ->
                            new Credential(kp.getPrivate(), List.of(x509(der), x509(anchorDer)))))
        .timeout(Duration.ofSeconds(60))
        .doOnNext(
            c ->
                LOG.info(
                    "validation service {} certificate issued: {}",
                    forTls ? "TLS" : "signing",
                    c.chain().get(0).getSubjectX500Principal()));
  }

  static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
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
   * A JWS compact serialization (RFC 7515) of {@code payload}: RS256, {@code x5c} = signing
   * certificate and its issuer, {@code cty} = application/json. Call off the event loop when
   * throughput matters (one RSA private-key operation).
   */
  public String sign(byte[] payload) {
    Credential c = signing.get();
    if (c == null) {
      throw new IllegalStateException("no signing credential");
    }
    try {
      Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
      StringBuilder header =
          new StringBuilder(
              "{\"alg\":\"RS256\",\"typ\":\"JOSE\",\"cty\":\"application/json\",\"x5c\":[");
      for (int i = 0; i < c.chain().size(); i++) {
        header
            .append(i == 0 ? "" : ",")
            .append('"')
            .append(Base64.getEncoder().encodeToString(c.chain().get(i).getEncoded()))
            .append('"');
      }
      header.append("]}");
      String input =
          url.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8))
              + "."
              + url.encodeToString(payload);
      Signature sig = Signature.getInstance("SHA256withRSA");
      sig.initSign(c.key());
      sig.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + url.encodeToString(sig.sign());
    } catch (Exception e) {
      throw new IllegalStateException("cannot sign the verdict", e);
    }
  }
}
