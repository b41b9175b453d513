package io.gpki.signer.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.signer.CaSigners;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.ManagedCaSigner;
import io.gpki.signer.SignerException;
import io.gpki.signer.SignerException.Kind;
import io.gpki.signer.SignerHealth;
import io.gpki.signer.testing.SoftHsm;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/** The PKCS#11 key source against a real SoftHSM2 token, through the {@code CaSigner} port. */
class Pkcs11KeySourceIT {

  private static final byte[] DATA = "tbsCertificate".getBytes(StandardCharsets.UTF_8);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static SoftHsm hsm;
  private static SoftHsm.Token token;
  private static SoftHsm.Token pinTestToken;

  @BeforeAll
  static void tokens() throws Exception {
    hsm = SoftHsm.get();
    // Both before the first PKCS#11 call: SoftHSM2 only scans its token directory in C_Initialize.
    token = hsm.createToken("gpki-it");
    pinTestToken = hsm.createToken("gpki-pin");
  }

  @AfterEach
  void endOutage() throws Exception {
    hsm.makeAvailable();
  }

  private static KeySourceSpec.Pkcs11 spec() {
    return new KeySourceSpec.Pkcs11(
        "hsm",
        SoftHsm.LIBRARY,
        token.label(),
        token.pinFile(),
        2,
        new KeySourceSpec.Resilience(Duration.ofSeconds(10), 8, 50f, Duration.ofMillis(300)));
  }

  @ParameterizedTest(name = "signature verifies/{0}")
  @EnumSource(
      value = KeySpec.class,
      names = {"RSA_2048", "EC_P256"})
  void keyGeneratedOnTokenSignsAndStaysOnToken(KeySpec keySpec) throws Exception {
    String keyId = "ca-" + keySpec.name().toLowerCase(Locale.ROOT);
    PublicKey generated;
    try (ManagedCaSigner signer = CaSigners.create(List.of(spec()))) {
      generated = signer.generateKey("hsm", keyId, keySpec).block(WAIT);
      StepVerifier.create(signer.sign(keyId, keySpec.signatureAlgorithm(), DATA))
          .assertNext(signature -> assertThat(verifies(generated, keySpec, signature)).isTrue())
          .expectComplete()
          .verify(WAIT);
      StepVerifier.create(signer.publicKey(keyId))
          .expectNext(generated)
          .expectComplete()
          .verify(WAIT);
    }

    // The private key is a sensitive token object: its value cannot be read out.
    Pkcs11Module module = Pkcs11Module.forLibrary(SoftHsm.LIBRARY.toString());
    Pkcs11Connection direct =
        Pkcs11Connection.open(
            "it-direct",
            SoftHsm.LIBRARY.toString(),
            module.slotOf(token.label()),
            java.nio.file.Files.readString(token.pinFile()).trim().toCharArray());
    try {
      PrivateKey onToken = direct.privateKey(keyId);
      assertThat(onToken).isNotNull();
      assertThat(onToken.getEncoded()).as("extractable key material").isNull();
    } finally {
      direct.close();
    }

    // A fresh signer (as after a restart) finds the key on the token by its label.
    try (ManagedCaSigner again = CaSigners.create(List.of(spec()))) {
      StepVerifier.create(again.hasKey(keyId)).expectNext(true).expectComplete().verify(WAIT);
      StepVerifier.create(again.sign(keyId, keySpec.signatureAlgorithm(), DATA))
          .assertNext(signature -> assertThat(verifies(generated, keySpec, signature)).isTrue())
          .expectComplete()
          .verify(WAIT);
    }
  }

  @Test
  void duplicateKeyIdOnTokenIsRefused() throws Exception {
    try (Pkcs11KeySource source = new Pkcs11KeySource(spec())) {
      source.generate("dup-1", KeySpec.EC_P256);
      try {
        source.generate("dup-1", KeySpec.EC_P256);
        throw new AssertionError("second generate must fail");
      } catch (SignerException e) {
        assertThat(e.kind()).isEqualTo(Kind.REJECTED);
      }
      assertThat(source.keyIds()).contains("dup-1");
    }
  }

  @Test
  void rejectedPinIsAClearErrorAndIsNotRetried() throws Exception {
    SoftHsm.Token other = pinTestToken;
    java.nio.file.Path wrongPin = other.pinFile().resolveSibling(other.label() + ".wrong");
    java.nio.file.Files.writeString(wrongPin, "000000\n");
    KeySourceSpec.Pkcs11 spec =
        new KeySourceSpec.Pkcs11(
            "pin",
            SoftHsm.LIBRARY,
            other.label(),
            wrongPin,
            1,
            KeySourceSpec.Resilience.defaults());
    try (Pkcs11KeySource source = new Pkcs11KeySource(spec)) {
      assertThatThrownBy(source::keyIds)
          .isInstanceOf(SignerException.class)
          .hasMessageContaining("rejected the PIN in " + wrongPin)
          .hasMessageNotContaining("000000");
      assertThatThrownBy(source::keyIds).hasMessageContaining("not retried");

      // A corrected PIN file is picked up without a restart.
      java.nio.file.Files.copy(
          other.pinFile(), wrongPin, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThat(source.keyIds()).isEmpty();
    }
  }

  @Test
  void healthReconnectsAnIdleSignerAfterAnOutage() throws Exception {
    try (ManagedCaSigner signer = CaSigners.create(List.of(spec()))) {
      signer.generateKey("hsm", "ca-idle", KeySpec.EC_P256).block(WAIT);
      hsm.makeUnavailable();
      assertThat(signer.health().block(WAIT).allUp()).isFalse();
      hsm.makeAvailable();

      // Only health probes, no signing traffic: readiness must come back on its own.
      StepVerifier.create(
              Mono.defer(signer::health)
                  .filter(SignerHealth::allUp)
                  .repeatWhenEmpty(50, attempts -> attempts.delayElements(Duration.ofMillis(100))))
          .expectNextCount(1)
          .expectComplete()
          .verify(Duration.ofSeconds(10));
      StepVerifier.create(signer.sign("ca-idle", "SHA256withECDSA", DATA))
          .expectNextCount(1)
          .expectComplete()
          .verify(WAIT);
    }
  }

  @Test
  void signingRecoversAfterTheTokenComesBackWithoutRestart() throws Exception {
    try (ManagedCaSigner signer = CaSigners.create(List.of(spec()))) {
      PublicKey key = signer.generateKey("hsm", "ca-recover", KeySpec.EC_P256).block(WAIT);
      StepVerifier.create(signer.sign("ca-recover", "SHA256withECDSA", DATA))
          .expectNextCount(1)
          .expectComplete()
          .verify(WAIT);

      hsm.makeUnavailable();
      // Long enough for the circuit to open and for trial calls (each reconnecting and
      // re-initialising the library, which fails while the token is away) to run.
      for (int i = 0; i < 5; i++) {
        StepVerifier.create(signer.sign("ca-recover", "SHA256withECDSA", DATA))
            .expectErrorSatisfies(
                e ->
                    assertThat(e)
                        .isInstanceOfSatisfying(
                            SignerException.class,
                            se -> assertThat(se.kind()).isEqualTo(Kind.UNAVAILABLE)))
            .verify(WAIT);
        Thread.sleep(200);
      }
      SignerHealth down = signer.health().block(WAIT);
      assertThat(down.allUp()).isFalse();

      hsm.makeAvailable();
      long start = System.nanoTime();
      StepVerifier.create(
              Mono.defer(() -> signer.sign("ca-recover", "SHA256withECDSA", DATA))
                  .retryWhen(Retry.fixedDelay(60, Duration.ofMillis(100))))
          .assertNext(signature -> assertThat(verifies(key, KeySpec.EC_P256, signature)).isTrue())
          .expectComplete()
          .verify(Duration.ofSeconds(15));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

      SignerHealth up = signer.health().block(WAIT);
      assertThat(up.sources())
          .singleElement()
          .satisfies(
              h -> {
                assertThat(h.up()).as(h.detail()).isTrue();
                assertThat(h.circuitState()).isEqualTo("CLOSED");
              });
    }
  }

  private static boolean verifies(PublicKey key, KeySpec spec, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(spec.signatureAlgorithm());
      verifier.initVerify(key);
      verifier.update(DATA);
      return verifier.verify(signature);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
