package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.Random;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** A large CRL is streamed into compact sorted arrays and looked up by binary search. */
class CrlInfoTest {

  @Test
  void holdsALargeCrlCompactly() throws Exception {
    TestCa ca = new TestCa("Big CRL CA");
    int n = 200_000;
    Random random = new Random(42);
    BigInteger[] serials = new BigInteger[n];
    X509v2CRLBuilder b = new X509v2CRLBuilder(ca.name, Date.from(TestCa.NOT_BEFORE));
    b.setNextUpdate(Date.from(TestCa.NOT_AFTER));
    for (int i = 0; i < n; i++) {
      serials[i] = new BigInteger(127, random);
      b.addCRLEntry(
          serials[i],
          Date.from(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i)),
          i % 2 == 0 ? CRLReason.keyCompromise : CRLReason.superseded);
    }
    byte[] der =
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys.getPrivate()))
            .getEncoded();
    long start = System.nanoTime();
    CrlInfo crl = CrlInfo.parse(der, "test");
    long parseMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(crl.size()).isEqualTo(n);
    String issuer = Cert.canonical(ca.name);
    for (int i = 0; i < n; i += 997) {
      CrlInfo.Entry e = crl.find(issuer, serials[i]);
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(i % 2 == 0 ? 1 : 4);
      assertThat(e.date()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i));
    }
    assertThat(crl.find(issuer, BigInteger.valueOf(12345))).isNull();
    assertThat(crl.find(issuer, BigInteger.valueOf(-1))).isNull();
    double bytesPerEntry = crl.entryBytes() / (double) n;
    System.out.printf(
        "CRL: %d entries, %.1f MB DER, parsed in %d ms, %.1f bytes per entry held%n",
        n, der.length / 1e6, parseMs, bytesPerEntry);
    assertThat(bytesPerEntry).isLessThan(40);
    assertThat(crl.signedBy(ca.keys.getPublic(), "k")).isTrue();
  }

  @Test
  void comparesSerialsByValueIncludingNegativeOnes() {
    byte[][] ordered = {
      BigInteger.valueOf(-300).toByteArray(),
      BigInteger.valueOf(-2).toByteArray(),
      BigInteger.valueOf(-1).toByteArray(),
      BigInteger.ZERO.toByteArray(),
      BigInteger.ONE.toByteArray(),
      BigInteger.valueOf(255).toByteArray(),
      BigInteger.valueOf(256).toByteArray()
    };
    for (int i = 0; i + 1 < ordered.length; i++) {
      assertThat(EntryBuffer.compareSerials(ordered[i], 0, ordered[i].length, ordered[i + 1]))
          .isNegative();
      assertThat(EntryBuffer.compareSerials(ordered[i + 1], 0, ordered[i + 1].length, ordered[i]))
          .isPositive();
    }
  }
}
