package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A benchmark, not a test (run with {@code -Dgpki.bench=true}): CPU cost of one validation of an
 * RSA-2048 bridge-shaped path (EE -> CA -> bridge -> anchor, policy mappings, CRL checks), in
 * process, single-threaded, our engine against the JDK's PKIX CertPathValidator, alternating. Each
 * iteration parses the end-entity certificate from its bytes (our parser; Bouncy Castle's
 * non-caching factory for the JDK, so the JDK cannot reuse an earlier signature check).
 */
@EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
class EngineBenchmarkTest {

  @Test
  void oursAgainstJdkPkix() throws Exception {
    TestCa anchor = new TestCa("Bench Anchor", true);
    TestCa bridge = new TestCa("Bench Bridge", true);
    TestCa ca = new TestCa("Bench CA", true);
    String pa = "2.999.5.1";
    String pb = "2.999.5.2";
    String pc = "2.999.5.3";
    Cert toBridge = anchor.certify(bridge, List.of(pa), List.<String[]>of(new String[] {pa, pb}));
    Cert toCa = bridge.certify(ca, List.of(pb), List.<String[]>of(new String[] {pb, pc}));
    Cert ee = ca.endEntity("Bench Subscriber", List.of(pc));
    List<CrlInfo> crls = List.of(anchor.crl(List.of()), bridge.crl(List.of()), ca.crl(List.of()));
    Instant now = Instant.now();
    ValidationEngine engine = new ValidationEngine(Limits.defaults());
    CertPool pool = CertPool.of(List.of(toBridge, toCa));
    CrlSet crlSet = CrlSet.of(crls);
    Cert anchorCert = anchor.selfSigned.withSource(Source.TRUST_ANCHOR);
    byte[] eeDer = ee.der();

    CertificateFactory jdk = CertificateFactory.getInstance("X.509");
    CertificateFactory bc = CertificateFactory.getInstance("X.509", new BouncyCastleProvider());
    List<X509Certificate> intermediates = List.of(x509(jdk, toCa.der()), x509(jdk, toBridge.der()));
    List<Object> store = new ArrayList<>(intermediates);
    for (CrlInfo c : crls) {
      store.add(jdk.generateCRL(new ByteArrayInputStream(c.der())));
    }
    CertStore certStore =
        CertStore.getInstance("Collection", new CollectionCertStoreParameters(store));
    TrustAnchor ta = new TrustAnchor(x509(jdk, anchor.selfSigned.der()), null);

    Runnable ours =
        () -> {
          Outcome o =
              engine.validate(
                  Cert.parse(eeDer, Source.TARGET),
                  anchorCert,
                  pool,
                  crlSet,
                  ValidationInputs.defaults(now));
          if (!(o instanceof Outcome.Valid)) {
            throw new AssertionError(PkitsTest.describe(o));
          }
        };
    Runnable theirs =
        () -> {
          try {
            List<X509Certificate> path = new ArrayList<>();
            path.add((X509Certificate) bc.generateCertificate(new ByteArrayInputStream(eeDer)));
            path.addAll(intermediates);
            PKIXParameters p = new PKIXParameters(Set.of(ta));
            p.setRevocationEnabled(true);
            p.addCertStore(certStore);
            CertPathValidator.getInstance("PKIX").validate(jdk.generateCertPath(path), p);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        };
    for (int warm = 0; warm < 3; warm++) {
      time(ours, 2000);
      time(theirs, 2000);
    }
    double o = Math.min(time(ours, 5000), time(ours, 5000));
    double t = Math.min(time(theirs, 5000), time(theirs, 5000));
    System.out.printf(
        "engine benchmark: ours %.1f us, JDK PKIX %.1f us per validation (JDK/ours %.2f)%n",
        o, t, t / o);
    assertThat(o).isPositive();
  }

  private static double time(Runnable r, int n) {
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      r.run();
    }
    return (System.nanoTime() - start) / 1e3 / n;
  }

  private static X509Certificate x509(CertificateFactory f, byte[] der) throws Exception {
    return (X509Certificate) f.generateCertificate(new ByteArrayInputStream(der));
  }
}
