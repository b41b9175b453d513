package io.gpki.signer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.signer.SignerException.Kind;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The guard inside the signer: with a real PKCS#12 key source, a node that is not the master at the
 * current epoch refuses every kind of signature (certificate, CRL, OCSP response) and key
 * generation, whoever calls; once the node may sign again, signing resumes.
 */
class SigningFenceTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final X500Name CA = new X500Name("C=JP,O=Test,CN=Fence CA");

  @TempDir Path dir;
  private final AtomicReference<@Nullable String> refusal = new AtomicReference<>();
  private ManagedCaSigner signer;
  private PublicKey caKey;

  @BeforeEach
  void signer() throws Exception {
    Path pass = dir.resolve("keys.pass");
    Files.writeString(pass, "fence-test-pass\n");
    signer =
        CaSigners.create(
            List.of(
                new KeySourceSpec.Pkcs12(
                    "soft",
                    dir.resolve("keys.p12"),
                    pass,
                    null,
                    KeySourceSpec.Resilience.defaults())),
            keyId -> refusal.get());
    caKey = signer.generateKey("soft", "ca-g1", KeySpec.EC_P256).block(WAIT);
  }

  @AfterEach
  void close() {
    signer.close();
  }

  /** The three kinds of signed object the gateway makes. */
  enum Signature {
    CERTIFICATE(
        s ->
            new PkiObjectBuilder(s.signer).certificate(s.certificate()).map(c -> c.getSignature())),
    CRL(s -> new PkiObjectBuilder(s.signer).crlDer(s.crl())),
    OCSP_RESPONSE(s -> new OcspResponseBuilder(s.signer).build(s.ocsp()));

    @SuppressWarnings("ImmutableEnumChecker") // stateless lambdas
    final Function<SigningFenceTest, Mono<byte[]>> make;

    Signature(Function<SigningFenceTest, Mono<byte[]>> make) {
      this.make = make;
    }
  }

  @ParameterizedTest(name = "{0}: refused while fenced, signed again once unfenced")
  @EnumSource(Signature.class)
  void everySignatureIsRefusedUnlessTheNodeMaySign(Signature kind) {
    StepVerifier.create(kind.make.apply(this)).expectNextCount(1).expectComplete().verify(WAIT);

    for (String why :
        List.of("center b is a BACKUP at epoch 3", "center a is FENCED at epoch 2: saw epoch 3")) {
      refusal.set(why);
      StepVerifier.create(kind.make.apply(this))
          .expectErrorSatisfies(
              e ->
                  assertThat(e)
                      .isInstanceOfSatisfying(
                          SignerException.class,
                          se -> {
                            assertThat(se.kind()).isEqualTo(Kind.FENCED);
                            assertThat(se.getMessage()).contains(why);
                          }))
          .verify(WAIT);
    }

    refusal.set(null);
    StepVerifier.create(kind.make.apply(this)).expectNextCount(1).expectComplete().verify(WAIT);
  }

  @ParameterizedTest(name = "raw {0}: refused, and the breaker stays closed")
  @EnumSource(value = KeySpec.class, names = "EC_P256")
  void rawSignaturesAndKeyGenerationAreRefusedWithoutTrippingTheBreaker(KeySpec spec) {
    refusal.set("center b is a BACKUP at epoch 1");
    for (int i = 0; i < 10; i++) {
      StepVerifier.create(signer.sign("ca-g1", spec.signatureAlgorithm(), new byte[] {1}))
          .expectErrorSatisfies(
              e -> assertThat(((SignerException) e).kind()).isEqualTo(Kind.FENCED))
          .verify(WAIT);
    }
    StepVerifier.create(signer.generateKey("soft", "ca-g2", spec))
        .expectErrorSatisfies(e -> assertThat(((SignerException) e).kind()).isEqualTo(Kind.FENCED))
        .verify(WAIT);
    StepVerifier.create(signer.hasKey("ca-g2")).expectNext(false).expectComplete().verify(WAIT);

    refusal.set(null);
    StepVerifier.create(signer.sign("ca-g1", spec.signatureAlgorithm(), new byte[] {1}))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(signer.health())
        .assertNext(
            h ->
                assertThat(h.sources())
                    .allSatisfy(src -> assertThat(src.circuitState()).isEqualTo("CLOSED")))
        .expectComplete()
        .verify(WAIT);
  }

  private byte[] aki() {
    return PkiObjectBuilder.keyIdentifier(SubjectPublicKeyInfo.getInstance(caKey.getEncoded()));
  }

  CertificateTemplate certificate() {
    return new CertificateTemplate(
        CA,
        "ca-g1",
        "SHA256withECDSA",
        aki(),
        CA,
        SubjectPublicKeyInfo.getInstance(caKey.getEncoded()),
        BigInteger.valueOf(7),
        NOW,
        NOW.plusSeconds(3600),
        CertificateProfile.SELF_SIGNED_CA,
        List.of(),
        List.of(),
        null,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        List.of());
  }

  CrlTemplate crl() {
    return new CrlTemplate(
        CA,
        "ca-g1",
        "SHA256withECDSA",
        aki(),
        CrlScope.CRL,
        BigInteger.ONE.shiftLeft(64).add(BigInteger.TEN),
        NOW,
        NOW.plusSeconds(3600),
        List.of("http://localhost/repository/crl/fence.crl"),
        List.<CrlTemplate.Entry>of());
  }

  OcspResponseTemplate ocsp() {
    CertID id =
        new CertID(
            new AlgorithmIdentifier(OIWObjectIdentifiers.idSHA1, DERNull.INSTANCE),
            new DEROctetString(new byte[20]),
            new DEROctetString(new byte[20]),
            new ASN1Integer(7));
    return new OcspResponseTemplate(
        "ca-g1",
        "SHA256withECDSA",
        aki(),
        List.of(),
        NOW,
        List.of(
            new OcspResponseTemplate.Single(
                id, new OcspResponseTemplate.Status.Good(), NOW, NOW.plusSeconds(60))),
        null);
  }
}
