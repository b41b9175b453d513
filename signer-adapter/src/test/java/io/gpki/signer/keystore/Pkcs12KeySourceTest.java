package io.gpki.signer.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.SignerException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Pkcs12KeySourceTest {

  private static final byte[] DATA = "to be signed".getBytes(StandardCharsets.UTF_8);
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private Path keystore;
  private Path passwordFile;

  @BeforeEach
  void passwordFile() throws Exception {
    keystore = dir.resolve("ca-keys.p12");
    passwordFile = dir.resolve("keystore.pass");
    Files.writeString(passwordFile, "s3cret-pass \n");
  }

  private Pkcs12KeySource source(Path password) {
    return new Pkcs12KeySource(
        new KeySourceSpec.Pkcs12(
            "soft", keystore, password, null, KeySourceSpec.Resilience.defaults()),
        CLOCK);
  }

  @ParameterizedTest(name = "signature verifies/{0}")
  @EnumSource(
      value = KeySpec.class,
      names = {"RSA_2048", "EC_P256"})
  void generatedKeySignsAndSurvivesReopening(KeySpec spec) throws Exception {
    PublicKey generated;
    try (Pkcs12KeySource source = source(passwordFile)) {
      generated = source.generate("ca-1", spec);
      assertThat(verifies(generated, spec, source.sign("ca-1", spec.signatureAlgorithm(), DATA)))
          .isTrue();
    }

    try (Pkcs12KeySource reopened = source(passwordFile)) {
      assertThat(reopened.keyIds()).containsExactly("ca-1");
      assertThat(reopened.publicKey("ca-1")).isEqualTo(generated);
      byte[] signature = reopened.sign("ca-1", spec.signatureAlgorithm(), DATA);
      assertThat(verifies(generated, spec, signature)).isTrue();
    }
  }

  @Test
  void holdsSeveralKeysWithPlaceholderCertificates() throws Exception {
    try (Pkcs12KeySource source = source(passwordFile)) {
      source.generate("root-g1", KeySpec.EC_P256);
      source.generate("sub-g1", KeySpec.EC_P256);
      assertThat(source.keyIds()).containsExactly("root-g1", "sub-g1");
      assertThat(source.publicKey("missing")).isNull();
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "s3cret-pass".toCharArray());
    }
    X509Certificate cert = (X509Certificate) ks.getCertificate("sub-g1");
    assertThat(cert.getSubjectX500Principal().getName()).contains("CN=sub-g1 key holder");
    assertThat(cert.getBasicConstraints()).as("not a CA certificate").isEqualTo(-1);
    assertThat(cert.getNotBefore().toInstant()).isBefore(CLOCK.instant());
  }

  @Test
  void wrongPasswordIsAClearError() throws Exception {
    try (Pkcs12KeySource source = source(passwordFile)) {
      source.generate("ca-1", KeySpec.EC_P256);
    }
    Path wrong = dir.resolve("wrong.pass");
    Files.writeString(wrong, "not-the-password\n");

    try (Pkcs12KeySource source = source(wrong)) {
      assertThatThrownBy(() -> source.sign("ca-1", "SHA256withECDSA", DATA))
          .isInstanceOf(SignerException.class)
          .hasMessageContaining("wrong password")
          .hasMessageContaining(keystore.toString())
          .hasMessageNotContaining("not-the-password");
      assertThatThrownBy(source::probe).hasMessageContaining("wrong password");
    }
  }

  @Test
  void duplicateKeyIdIsRefused() throws Exception {
    try (Pkcs12KeySource source = source(passwordFile)) {
      PublicKey first = source.generate("ca-1", KeySpec.EC_P256);
      assertThatThrownBy(() -> source.generate("ca-1", KeySpec.RSA_2048))
          .isInstanceOfSatisfying(
              SignerException.class,
              e -> assertThat(e.kind()).isEqualTo(SignerException.Kind.REJECTED))
          .hasMessageContaining("already exists");
      assertThat(source.publicKey("ca-1")).isEqualTo(first);
    }
  }

  @Test
  void keystoreFileIsOwnerOnlyAndNoTempFileRemains() throws Exception {
    try (Pkcs12KeySource source = source(passwordFile)) {
      source.generate("ca-1", KeySpec.EC_P256);
      source.generate("ca-2", KeySpec.EC_P256);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore)))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ca-keys.p12", "keystore.pass");
    }
  }

  @Test
  void missingPasswordFileWithoutKeystoreIsAClearError() throws Exception {
    try (Pkcs12KeySource source = source(dir.resolve("absent.pass"))) {
      assertThat(source.keyIds()).isEmpty();
      assertThatThrownBy(() -> source.generate("ca-1", KeySpec.EC_P256))
          .isInstanceOf(SignerException.class)
          .hasMessageContaining("absent.pass")
          .hasMessageContaining("does not exist")
          .hasMessageContaining("create the password file first");
      assertThat(keystore).doesNotExist();
    }
  }

  @Test
  void unknownKeyIsReportedAsSuch() throws Exception {
    try (Pkcs12KeySource source = source(passwordFile)) {
      source.generate("ca-1", KeySpec.EC_P256);
      assertThatThrownBy(() -> source.sign("nope", "SHA256withECDSA", DATA))
          .isInstanceOfSatisfying(
              SignerException.class,
              e -> assertThat(e.kind()).isEqualTo(SignerException.Kind.UNKNOWN_KEY));
    }
  }

  static boolean verifies(PublicKey key, KeySpec spec, byte[] signature) throws Exception {
    Signature verifier = Signature.getInstance(spec.signatureAlgorithm());
    verifier.initVerify(key);
    verifier.update(DATA);
    return verifier.verify(signature);
  }
}
