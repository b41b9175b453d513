package io.gpki.signer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V2TBSCertListGenerator;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The streaming CRL encoder against Bouncy Castle's generator: the same template must give the very
 * same DER, for empty, small and large lists (multi-byte lengths), every reason, with and without
 * invalidity dates, serials with the high bit set, and times on both sides of 2050.
 */
class CrlDerTest {

  private static final X500Name CA = new X500Name("CN=Test CA,O=GPKI Test,C=JP");

  @ParameterizedTest(name = "same DER as Bouncy Castle/{0} entries, {1}")
  @CsvSource({"0, CRL", "1, CRL", "3, ARL", "200, CRL", "5000, CRL", "20000, ARL"})
  void sameDerAsBouncyCastle(int n, CrlScope scope) throws Exception {
    Random random = new Random(n * 31L + (scope == CrlScope.CRL ? 0 : 1));
    Instant now = Instant.parse("2049-12-31T23:59:30Z");
    List<CrlTemplate.Entry> entries = new ArrayList<>();
    int[] reasons = {0, 1, 2, 3, 4, 5, 6, 8, 9, 10};
    for (int i = 0; i < n; i++) {
      BigInteger serial = new BigInteger(1 + random.nextInt(160), random).add(BigInteger.ONE);
      Instant revoked = now.plusSeconds(random.nextInt(120) - 60);
      Instant invalidity =
          random.nextBoolean() ? revoked.minusSeconds(random.nextInt(86_400 * 800)) : null;
      entries.add(
          new CrlTemplate.Entry(
              serial, revoked, reasons[random.nextInt(reasons.length)], invalidity));
    }
    CrlTemplate t =
        new CrlTemplate(
            CA,
            "ca-g1",
            "SHA256withRSA",
            new byte[] {1, 2, 3, 4},
            scope,
            BigInteger.valueOf(7 + n),
            now,
            now.plus(Duration.ofHours(30)),
            List.of("http://repo.test/" + scope + ".crl"),
            entries);

    assertThat(CrlDer.tbs(t)).isEqualTo(bouncyCastleTbs(t.issuer(), t, entries));
  }

  @Test
  void signedListParsesAndKeepsTheEntries() throws Exception {
    Instant now = Instant.parse("2026-12-04T10:00:00Z");
    CrlTemplate t =
        new CrlTemplate(
            CA,
            "ca-g1",
            "SHA256withRSA",
            new byte[] {9},
            CrlScope.CRL,
            BigInteger.TEN,
            now,
            now.plusSeconds(3600),
            List.of(),
            List.of(
                new CrlTemplate.Entry(
                    BigInteger.valueOf(255), now.minusSeconds(5), CRLReason.keyCompromise, null)));
    byte[] der = CrlDer.signed(CrlDer.tbs(t), "SHA256withRSA", new byte[256]);
    X509CRLHolder crl = new X509CRLHolder(der);
    assertThat(crl.getRevokedCertificate(BigInteger.valueOf(255))).isNotNull();
    assertThat(crl.getThisUpdate().toInstant()).isEqualTo(now);
    assertThat(crl.toASN1Structure().getSignature().getOctets()).hasSize(256);
  }

  @ParameterizedTest(name = "refused/{0}")
  @CsvSource({
    "serial zero, 0, 1",
    "negative serial, -5, 1",
    "reason 7 (unused), 5, 7",
    "reason 11, 5, 11"
  })
  void badEntriesAreRefused(String what, long serial, int reason) {
    assertThatThrownBy(
            () -> new CrlEntries().add(BigInteger.valueOf(serial), Instant.now(), reason, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void growsPastItsFirstGuess() {
    CrlEntries entries = new CrlEntries(1);
    for (int i = 1; i <= 10_000; i++) {
      entries.add(BigInteger.valueOf(i), Instant.EPOCH.plusSeconds(i), 1, null);
    }
    assertThat(entries.count()).isEqualTo(10_000);
    assertThat(entries.contents()).hasSize(entries.encodedLength());
  }

  /** The encoding this project used before the streaming encoder: BC's own generator. */
  private static byte[] bouncyCastleTbs(
      X500Name issuer, CrlTemplate t, List<CrlTemplate.Entry> entries) throws Exception {
    V2TBSCertListGenerator g = new V2TBSCertListGenerator();
    g.setSignature(PkiObjectBuilder.algorithmIdentifier(t.signatureAlgorithm()));
    g.setIssuer(issuer);
    g.setThisUpdate(new Time(Date.from(t.thisUpdate())));
    g.setNextUpdate(new Time(Date.from(t.nextUpdate())));
    for (CrlTemplate.Entry e : entries) {
      ExtensionsGenerator ex = new ExtensionsGenerator();
      if (e.reason() != CRLReason.unspecified) {
        ex.addExtension(Extension.reasonCode, false, CRLReason.lookup(e.reason()));
      }
      if (e.invalidityDate() != null) {
        ex.addExtension(
            Extension.invalidityDate,
            false,
            new ASN1GeneralizedTime(Date.from(e.invalidityDate())));
      }
      g.addCRLEntry(
          new ASN1Integer(e.serial()),
          new Time(Date.from(e.revocationDate())),
          ex.isEmpty() ? null : ex.generate());
    }
    ExtensionsGenerator x = new ExtensionsGenerator();
    x.addExtension(
        Extension.authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier(t.authorityKeyIdentifier()));
    x.addExtension(Extension.cRLNumber, false, new CRLNumber(t.number()));
    boolean arl = t.scope() == CrlScope.ARL;
    DistributionPointName dp =
        new DistributionPointName(
            new GeneralNames(
                new GeneralName(
                    GeneralName.uniformResourceIdentifier, t.distributionPoints().get(0))));
    x.addExtension(
        Extension.issuingDistributionPoint,
        true,
        new IssuingDistributionPoint(dp, !arl, arl, null, false, false));
    g.setExtensions(x.generate());
    return g.generateTBSCertList().getEncoded(ASN1Encoding.DER);
  }
}
