package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ca.Certificates;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagFactory;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.jcajce.JcePKCS12MacCalculatorBuilderProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The sealing of server-generated keys, without a database. */
class ServerKeysTest {

  private final ServerKeys keys = new ServerKeys(100_000);

  @ParameterizedTest(name = "sealed and readable/{0}")
  @EnumSource(
      value = ServerKeyAlgorithm.class,
      names = {"EC_P256", "RSA_2048"})
  void theSecretOpensThePkcs12AndItHoldsTheGeneratedKeyOnly(ServerKeyAlgorithm algorithm)
      throws Exception {
    ServerKeys.Sealed sealed = keys.generate(algorithm);
    assertThat(sealed.toString()).doesNotContain(sealed.secret());
    assertThat(sealed.secretSha256())
        .isEqualTo(
            Certificates.digest("SHA-256", sealed.secret().getBytes(StandardCharsets.UTF_8)));
    PKCS12PfxPdu pfx = new PKCS12PfxPdu(sealed.pkcs12());
    assertThat(
            pfx.isMacValid(
                new JcePKCS12MacCalculatorBuilderProvider()
                    .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()),
                sealed.secret().toCharArray()))
        .isTrue();
    assertThat(pfx.getMacAlgorithmID().getAlgorithm().getId())
        .isEqualTo("2.16.840.1.101.3.4.2.1"); // SHA-256
    PKCS12SafeBag[] bags = new PKCS12SafeBagFactory(pfx.getContentInfos()[0]).getSafeBags();
    assertThat(bags).hasSize(1);
    assertThat(bags[0].getType()).isEqualTo(PKCSObjectIdentifiers.pkcs8ShroudedKeyBag);
    PKCS8EncryptedPrivateKeyInfo enc = (PKCS8EncryptedPrivateKeyInfo) bags[0].getBagValue();
    assertThat(enc.getEncryptionAlgorithm().getAlgorithm())
        .isEqualTo(PKCSObjectIdentifiers.id_PBES2);

    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(new ByteArrayInputStream(sealed.pkcs12()), sealed.secret().toCharArray());
    PrivateKey key =
        (PrivateKey) ks.getKey(ks.aliases().nextElement(), sealed.secret().toCharArray());
    assertThat(key.getAlgorithm())
        .isEqualTo(algorithm == ServerKeyAlgorithm.EC_P256 ? "EC" : "RSA");
  }

  @ParameterizedTest(name = "fresh each time/{0}")
  @EnumSource(
      value = ServerKeyAlgorithm.class,
      names = {"EC_P256"})
  void everyCallMakesANewKeyAndSecret(ServerKeyAlgorithm algorithm) {
    ServerKeys.Sealed a = keys.generate(algorithm);
    ServerKeys.Sealed b = keys.generate(algorithm);
    assertThat(a.secret()).isNotEqualTo(b.secret());
    assertThat(a.publicKey()).isNotEqualTo(b.publicKey());
  }
}
