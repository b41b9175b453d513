package io.gpki.gateway.ca;

import io.gpki.signer.CertificateProfile;
import io.gpki.signer.CertificateTemplate.PolicyMapping;
import io.gpki.signer.KeySpec;
import io.gpki.sync.CaLookup;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.CrossPairWriter;
import io.gpki.sync.Revocation;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Creates the demo PKI on first start: a bridge CA cross-certified with the government CA (with one
 * key rollover done), an internal server CA, two external CAs cross-certified with the bridge, and
 * end-entity certificates in valid, revoked and expired states. Idempotent: it does nothing when
 * the repository already holds CAs.
 */
public final class DemoPki {

  private static final Logger LOG = LoggerFactory.getLogger(DemoPki.class);

  /** Demo policy OIDs under the ITU-T/ISO example arc 2.999 (never a real policy). */
  public static final String BCA_POLICY = "2.999.392.1.1";

  public static final String OSCA_POLICY = "2.999.392.1.10";
  public static final String ISCA_POLICY = "2.999.392.1.40";
  public static final String LGPKI_POLICY = "2.999.392.1.20";
  public static final String PRIVATE_POLICY = "2.999.392.1.30";

  private static final Duration ROOT_VALIDITY = Duration.ofDays(3650);
  private static final Duration CROSS_VALIDITY = Duration.ofDays(1825);
  private static final Duration EE_VALIDITY = Duration.ofDays(730);

  private final CaEngine engine;
  private final CaLookup cas;
  private final CrossPairWriter crossPairs;
  private final Clock clock;
  private final Scheduler keyGeneration;

  /**
   * @param keyGeneration a bounded scheduler for subscriber key generation (CPU-heavy, blocking)
   */
  public DemoPki(
      CaEngine engine,
      CaLookup cas,
      CrossPairWriter crossPairs,
      Clock clock,
      Scheduler keyGeneration) {
    this.engine = engine;
    this.cas = cas;
    this.crossPairs = crossPairs;
    this.clock = clock;
    this.keyGeneration = keyGeneration;
  }

  /** Creates the demo PKI unless the repository already has CAs. Emits whether it created it. */
  public Mono<Boolean> ensure() {
    return cas.cas()
        .hasElements()
        .flatMap(
            any -> {
              if (any) {
                LOG.info("repository already holds CAs; demo PKI not created");
                return Mono.just(false);
              }
              LOG.info("empty repository: creating the demo bridge PKI");
              return create().thenReturn(true);
            });
  }

  private Mono<Void> create() {
    return Flux.concat(
            ca("bca", "Bridge CA (demo)", "BRIDGE", gov("BridgeCA"), BCA_POLICY),
            ca("osca", "Government CA OSCA (demo)", "GOVERNMENT", gov("OSCA"), OSCA_POLICY),
            ca("isca", "Internal Server CA (demo)", "INTERNAL", gov("ISCA"), ISCA_POLICY),
            ca(
                "lgpki-demo",
                "LGPKI application CA (demo)",
                "EXTERNAL",
                name("JP", "LGPKI Demo", "Application CA", null),
                LGPKI_POLICY),
            ca(
                "private-demo",
                "Private CA (demo)",
                "EXTERNAL",
                name("JP", "Private CA Demo", "Certification Services", "Private Demo CA"),
                PRIVATE_POLICY))
        .then(rolloverOsca())
        .then(crossCertify("osca", OSCA_POLICY))
        .then(crossCertify("lgpki-demo", LGPKI_POLICY))
        .then(crossCertify("private-demo", PRIVATE_POLICY))
        .then(endEntities())
        .doOnSuccess(v -> LOG.info("demo PKI created"));
  }

  private Mono<Void> ca(String id, String display, String role, X500Name subject, String policy) {
    return engine
        .createCa(
            new CaEngine.NewCa(id, display, role, subject, policy, KeySpec.RSA_2048, ROOT_VALIDITY))
        .then();
  }

  private Mono<Void> rolloverOsca() {
    // Generation 1 stays valid until its self-signed certificate expires; the links bridge the two.
    Instant oldExpiry = clock.instant().plus(ROOT_VALIDITY);
    return engine.rollover("osca", KeySpec.RSA_2048, ROOT_VALIDITY, oldExpiry).then();
  }

  /** Cross-certifies {@code peer} and the bridge in both directions and stores both pairs. */
  private Mono<Void> crossCertify(String peer, String peerPolicy) {
    Mono<CertificateRecord> toPeer =
        engine.crossCertify(
            "bca",
            peer,
            List.of(BCA_POLICY),
            List.of(new PolicyMapping(BCA_POLICY, peerPolicy)),
            CROSS_VALIDITY);
    Mono<CertificateRecord> toBridge =
        engine.crossCertify(
            peer,
            "bca",
            List.of(peerPolicy),
            List.of(new PolicyMapping(peerPolicy, BCA_POLICY)),
            CROSS_VALIDITY);
    return Mono.zip(toPeer, toBridge)
        .flatMap(
            t ->
                crossPairs
                    .put(pair("bca", peer, t.getT2(), t.getT1()))
                    .then(crossPairs.put(pair(peer, "bca", t.getT1(), t.getT2()))))
        .then();
  }

  private CrossPairRecord pair(
      String owner, String peer, CertificateRecord issuedToOwner, CertificateRecord issuedByOwner) {
    return CrossCertification.pair(
        owner,
        peer,
        issuedToOwner.id(),
        Certificate.getInstance(issuedToOwner.der()),
        issuedByOwner.id(),
        Certificate.getInstance(issuedByOwner.der()),
        clock.instant());
  }

  private Mono<Void> endEntities() {
    Instant now = clock.instant();
    Instant longAgo = now.minus(Duration.ofDays(800));
    Instant expired = now.minus(Duration.ofDays(30));
    X500Name ministry = name("JP", "Japanese Government", "Ministry of Demo Affairs", null);
    return Flux.concat(
            ee(
                "osca",
                person(ministry, "Taro Kasumigaseki"),
                CertificateProfile.OFFICIAL_SIGNING,
                now,
                "valid",
                null),
            ee(
                "osca",
                person(ministry, "Jiro Revoked"),
                CertificateProfile.OFFICIAL_SIGNING,
                now,
                "revoked",
                new Revocation(now, 1, now.minus(Duration.ofDays(1)))),
            eeAt(
                "osca",
                person(ministry, "Saburo Expired"),
                CertificateProfile.OFFICIAL_SIGNING,
                longAgo,
                expired,
                "expired"),
            ee(
                "isca",
                name("JP", "Japanese Government", "GPKI Demo Servers", "localhost"),
                CertificateProfile.SERVER_TLS,
                now,
                "valid",
                null),
            ee(
                "isca",
                name("JP", "Japanese Government", "GPKI Demo Servers", "old.gpki.example"),
                CertificateProfile.SERVER_TLS,
                now,
                "revoked",
                new Revocation(now, 4, null)),
            ee(
                "lgpki-demo",
                name("JP", "LGPKI Demo", "Demo City Hall", "Demo City Official"),
                CertificateProfile.OFFICIAL_SIGNING,
                now,
                "valid",
                null),
            ee(
                "private-demo",
                name("JP", "Demo Corporation", "Sales", "Hanako Demo"),
                CertificateProfile.USER_SIGNING,
                now,
                "valid",
                null),
            ee(
                "private-demo",
                name("JP", "Demo Corporation", "Sales", "Ichiro Revoked"),
                CertificateProfile.USER_SIGNING,
                now,
                "revoked",
                new Revocation(now, 1, now.minus(Duration.ofHours(2)))),
            eeAt(
                "private-demo",
                name("JP", "Demo Corporation", "Sales", "Kyoko Expired"),
                CertificateProfile.USER_SIGNING,
                longAgo,
                expired,
                "expired"))
        .then();
  }

  private Mono<CertificateRecord> ee(
      String caId,
      X500Name subject,
      CertificateProfile profile,
      Instant now,
      String status,
      @Nullable Revocation revocation) {
    Mono<CertificateRecord> issued =
        eeAt(
            caId,
            subject,
            profile,
            now.minus(Duration.ofMinutes(5)),
            now.plus(EE_VALIDITY),
            status);
    return revocation == null
        ? issued
        : issued.flatMap(c -> engine.revoke(caId, c.serialHex(), revocation));
  }

  private Mono<CertificateRecord> eeAt(
      String caId,
      X500Name subject,
      CertificateProfile profile,
      Instant notBefore,
      Instant notAfter,
      String status) {
    List<GeneralName> sans =
        profile == CertificateProfile.SERVER_TLS
            ? List.of(new GeneralName(GeneralName.dNSName, cn(subject)))
            : List.of();
    return subscriberKey()
        .flatMap(
            spki ->
                engine.issue(
                    caId,
                    new CaEngine.EndEntity(
                        subject, spki, profile, notBefore, notAfter, sans, "demo: " + status)));
  }

  /** A subscriber key pair made here and thrown away: the demo needs only the public half. */
  private Mono<SubjectPublicKeyInfo> subscriberKey() {
    return Mono.fromCallable(
            () -> {
              KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
              g.initialize(2048);
              return SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded());
            })
        .subscribeOn(keyGeneration);
  }

  private static X500Name gov(String caUnit) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.C, "JP")
        .addRDN(BCStyle.O, "Japanese Government")
        .addRDN(BCStyle.OU, "GPKI Demo")
        .addRDN(BCStyle.OU, caUnit)
        .build();
  }

  private static X500Name name(String c, String o, String ou, @Nullable String cn) {
    X500NameBuilder b =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.C, c)
            .addRDN(BCStyle.O, o)
            .addRDN(BCStyle.OU, ou);
    if (cn != null) {
      b.addRDN(BCStyle.CN, cn);
    }
    return b.build();
  }

  private static X500Name person(X500Name org, String cn) {
    X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
    for (var rdn : org.getRDNs()) {
      b.addRDN(rdn.getFirst().getType(), rdn.getFirst().getValue());
    }
    return b.addRDN(BCStyle.CN, cn).build();
  }

  private static String cn(X500Name name) {
    return name.getRDNs(BCStyle.CN)[0].getFirst().getValue().toString();
  }
}
