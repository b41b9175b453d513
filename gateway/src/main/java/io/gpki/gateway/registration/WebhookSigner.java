package io.gpki.gateway.registration;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.Certificates;
import io.gpki.signer.CaSigner;
import io.gpki.signer.CertificateProfile;
import io.gpki.signer.KeySpec;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditLog;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.RegistrationJournal;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Signs webhook bodies as compact JWS (RFC 7515, RS256, attached payload). The key is a dedicated
 * RSA-2048 key in the signer (generated on first use in the key source bound to {@code
 * notifications}, like the audit key; the private key never leaves the key source); its certificate
 * is issued by the signing CA and travels, with that CA's self-signed certificate, in the protected
 * header's {@code x5c}. The certificate is reused while unrevoked and valid for 30 more days, else
 * a new one is issued (audited before and after).
 */
public final class WebhookSigner {

  /** The JWS {@code typ} of gateway events. */
  public static final String TYPE = "gpki-event+jws";

  private static final Logger LOG = LoggerFactory.getLogger(WebhookSigner.class);
  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

  private final CaSigner signer;
  private final CaEngine engine;
  private final Enrolment enrolment;
  private final RegistrationJournal journal;
  private final CertificateLookup certificates;
  private final AuditLog audit;
  private final String keyId;
  private final String keySource;
  private final String caId;
  private final Clock clock;
  private final AtomicReference<Credential> current = new AtomicReference<>();
  private final AtomicReference<Mono<Credential>> loading = new AtomicReference<>();

  /** The signing certificate and the CA certificate above it (x5c order). */
  record Credential(CertificateRecord leaf, byte[] anchorDer) {}

  public WebhookSigner(
      CaSigner signer,
      CaEngine engine,
      Enrolment enrolment,
      RegistrationJournal journal,
      CertificateLookup certificates,
      AuditLog audit,
      String keyId,
      String keySource,
      String caId,
      Clock clock) {
    this.signer = signer;
    this.engine = engine;
    this.enrolment = enrolment;
    this.journal = journal;
    this.certificates = certificates;
    this.audit = audit;
    this.keyId = keyId;
    this.keySource = keySource;
    this.caId = caId;
    this.clock = clock;
  }

  /** The compact JWS {@code header.payload.signature} of {@code payload}. */
  public Mono<String> sign(byte[] payload) {
    return credential()
        .flatMap(
            c -> {
              ObjectNode header = JSON.createObjectNode();
              header.put("alg", "RS256");
              header.put("typ", TYPE);
              header.put("kid", keyId);
              ArrayNode x5c = header.putArray("x5c");
              x5c.add(Base64.getEncoder().encodeToString(c.leaf().der()));
              x5c.add(Base64.getEncoder().encodeToString(c.anchorDer()));
              String input =
                  URL.encodeToString(JSON.writeValueAsBytes(header))
                      + "."
                      + URL.encodeToString(payload);
              return signer
                  .sign(
                      keyId,
                      KeySpec.RSA_2048.signatureAlgorithm(),
                      input.getBytes(StandardCharsets.US_ASCII))
                  .map(sig -> input + "." + URL.encodeToString(sig));
            });
  }

  /**
   * The certificate webhook signatures are made with now (issued when missing or due for renewal).
   */
  Mono<Credential> credential() {
    Credential c = current.get();
    if (c != null && usable(c.leaf())) {
      return Mono.just(c);
    }
    // One load at a time, so concurrent first deliveries do not issue two certificates.
    Mono<Credential> inFlight = loading.get();
    if (inFlight == null) {
      Mono<Credential> fresh = load().doFinally(s -> loading.set(null)).cache();
      inFlight = loading.compareAndSet(null, fresh) ? fresh : loading.get();
    }
    return inFlight == null ? Mono.defer(this::credential) : inFlight;
  }

  private Mono<Credential> load() {
    return key()
        .flatMap(
            pub -> {
              byte[] spki = Certificates.digest("SHA-256", pub.getEncoded());
              return journal
                  .activeWithKey(spki)
                  .filter(ref -> ref.issuerCaId().equals(caId))
                  .concatMap(ref -> certificates.find(ref.issuerCaId(), ref.serialHex()))
                  .filter(this::usable)
                  .next()
                  .switchIfEmpty(Mono.defer(() -> issue(pub)));
            })
        .zipWith(enrolment.anchors(caId).next().map(CertificateRecord::der))
        .map(t -> new Credential(t.getT1(), t.getT2()))
        .doOnNext(current::set);
  }

  private boolean usable(CertificateRecord c) {
    return c.revocation() == null && c.notAfter().isAfter(clock.instant().plus(RENEW_BEFORE));
  }

  private Mono<PublicKey> key() {
    return signer
        .hasKey(keyId)
        .flatMap(
            has ->
                has
                    ? signer.publicKey(keyId)
                    : signer
                        .generateKey(keySource, keyId, KeySpec.RSA_2048)
                        .doOnNext(
                            k ->
                                LOG.info(
                                    "generated the webhook signing key {} in key source {}",
                                    keyId,
                                    keySource)));
  }

  private Mono<CertificateRecord> issue(PublicKey pub) {
    Instant now = clock.instant();
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.C, "JP")
            .addRDN(BCStyle.O, "Japanese Government")
            .addRDN(BCStyle.OU, "GPKI Gateway")
            .addRDN(BCStyle.CN, "GPKI Notification Signer " + keyId)
            .build();
    CaEngine.EndEntity ee =
        new CaEngine.EndEntity(
            subject,
            SubjectPublicKeyInfo.getInstance(pub.getEncoded()),
            CertificateProfile.OFFICIAL_SIGNING,
            now.minus(Duration.ofMinutes(5)),
            now.plus(Duration.ofDays(365)),
            List.of(),
            "webhook signing key " + keyId);
    return audit
        .append(
            new AuditEvent(
                "SIGNATURE",
                "notifications",
                "system",
                caId + "/" + keyId,
                "STARTED",
                "certificate for the webhook signing key " + keyId))
        .then(engine.issue(caId, ee))
        .flatMap(
            cert ->
                audit
                    .append(
                        new AuditEvent(
                            "NOTIFICATION_SIGNER",
                            "notifications",
                            "system",
                            caId + "/" + cert.serialHex(),
                            "ISSUED",
                            "webhook signing certificate for key " + keyId))
                    .thenReturn(cert))
        .doOnNext(
            cert ->
                LOG.info("issued the webhook signing certificate {}/{}", caId, cert.serialHex()));
  }
}
