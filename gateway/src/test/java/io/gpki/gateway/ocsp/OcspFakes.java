package io.gpki.gateway.ocsp;

import io.gpki.signer.CaSigner;
import io.gpki.signer.KeySpec;
import io.gpki.signer.PkiObjectBuilder;
import io.gpki.signer.SignerHealth;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CertificateStore;
import io.gpki.sync.Revocation;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Hand-written fakes of the responder's ports, for unit tests. */
final class OcspFakes {

  private OcspFakes() {}

  /** A clock the test moves. */
  static final class TestClock extends Clock {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  /** A signer holding test keys in memory (never in main code); counts signatures. */
  static final class FakeSigner implements CaSigner {
    final Map<String, KeyPair> keys = new ConcurrentHashMap<>();
    final AtomicInteger signatures = new AtomicInteger();
    volatile Supplier<Mono<byte[]>> override;

    KeyPair add(String keyId) {
      return keys.computeIfAbsent(keyId, id -> rsa());
    }

    @Override
    public Mono<byte[]> sign(String keyId, String algorithm, byte[] data) {
      if (override != null) {
        return override.get();
      }
      return Mono.fromCallable(
          () -> {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(keys.get(keyId).getPrivate());
            s.update(data);
            signatures.incrementAndGet();
            return s.sign();
          });
    }

    @Override
    public Mono<PublicKey> publicKey(String keyId) {
      return Mono.justOrEmpty(keys.get(keyId)).map(KeyPair::getPublic);
    }

    @Override
    public Mono<PublicKey> generateKey(String sourceName, String keyId, KeySpec spec) {
      return Mono.fromSupplier(() -> add(keyId).getPublic());
    }

    @Override
    public Mono<Boolean> hasKey(String keyId) {
      return Mono.just(keys.containsKey(keyId));
    }

    @Override
    public Mono<SignerHealth> health() {
      return Mono.just(new SignerHealth(List.of()));
    }
  }

  /** A certificate store in a map; {@code failing} makes every read fail. */
  static final class FakeStore implements CertificateStore {
    final Map<String, CertificateRecord> byKey = new ConcurrentHashMap<>();
    volatile boolean failing;

    CertificateRecord add(String caId, int generation, BigInteger serial, Revocation revocation) {
      CertificateRecord r =
          new CertificateRecord(
              byKey.size() + 1,
              caId,
              generation,
              serial.toString(16),
              CertificateKind.END_ENTITY,
              "USER_SIGNING",
              null,
              false,
              "CN=x",
              new byte[0],
              "CN=ca",
              Instant.EPOCH,
              Instant.parse("2040-01-01T00:00:00Z"),
              new byte[0],
              new byte[0],
              new byte[0],
              new byte[0],
              new byte[0],
              Instant.EPOCH,
              null,
              revocation);
      byKey.put(caId + "/" + r.serialHex(), r);
      return r;
    }

    @Override
    public Mono<CertificateRecord> store(CertificateRecord certificate) {
      return Mono.error(new UnsupportedOperationException());
    }

    @Override
    public Mono<CertificateRecord> revoke(
        String issuerCaId, String serialHex, Revocation revocation) {
      return Mono.fromSupplier(
          () ->
              byKey.computeIfPresent(
                  issuerCaId + "/" + serialHex, (k, r) -> r.withRevocation(revocation)));
    }

    @Override
    public Mono<CertificateRecord> find(String issuerCaId, String serialHex) {
      return failing
          ? Mono.error(new IllegalStateException("database down"))
          : Mono.justOrEmpty(byKey.get(issuerCaId + "/" + serialHex));
    }

    @Override
    public Mono<Boolean> serialExists(String issuerCaId, String serialHex) {
      return Mono.just(byKey.containsKey(issuerCaId + "/" + serialHex));
    }

    @Override
    public Flux<CertificateRecord> revokedUnexpired(String issuerCaId, boolean ca, Instant at) {
      return Flux.empty();
    }
  }

  /** An issuer whose answers the CA key itself signs (no responder certificate needed in tests). */
  static Issuer issuer(FakeSigner signer, String caId, int generation) {
    KeyPair ca = signer.add(caId + "-g" + generation);
    SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(ca.getPublic().getEncoded());
    Responder self =
        new Responder(
            caId + "-g" + generation,
            "SHA256withRSA",
            PkiObjectBuilder.keyIdentifier(spki),
            List.of(),
            Instant.MAX);
    return new Issuer(
        caId,
        generation,
        der(new X500Name("CN=" + caId + ",O=Test,C=JP")),
        spki.getPublicKeyData().getBytes(),
        self);
  }

  private static byte[] der(X500Name name) {
    try {
      return name.getEncoded();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
