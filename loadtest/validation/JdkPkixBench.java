import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process baseline: the JDK's PKIX CertPathValidator on the same path (EE, intermediates, anchor)
 * with the same CRLs (revocation on), from N threads for S seconds. Usage:
 *
 *   java [-cp bcprov.jar] JdkPkixBench.java <dir> <threads> <seconds> <cached|fresh>
 *
 * dir holds ee.der, i1.der, i2.der... (EE's issuer first), anchor.der and crl-*.der. "cached" decodes
 * the EE with the JDK's CertificateFactory every time, which returns its cached instance (and with it
 * the remembered signature check); "fresh" decodes with Bouncy Castle's factory, which does not cache,
 * so every validation verifies every signature, as our service does for the end-entity certificate.
 */
public class JdkPkixBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    boolean fresh = args[3].equals("fresh");
    CertificateFactory jdk = CertificateFactory.getInstance("X.509");
    CertificateFactory bc = null;
    if (fresh) {
      Security.addProvider((java.security.Provider) Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider")
          .getDeclaredConstructor().newInstance());
      bc = CertificateFactory.getInstance("X.509", "BC");
    }
    byte[] ee = Files.readAllBytes(dir.resolve("ee.der"));
    List<X509Certificate> intermediates = new ArrayList<>();
    for (int i = 1; Files.exists(dir.resolve("i" + i + ".der")); i++) {
      intermediates.add((X509Certificate) jdk.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("i" + i + ".der")))));
    }
    X509Certificate anchor = (X509Certificate) jdk.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("anchor.der"))));
    List<Object> store = new ArrayList<>(intermediates);
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.getFileName().toString().startsWith("crl-")).toList()) {
        store.add(jdk.generateCRL(new ByteArrayInputStream(Files.readAllBytes(p))));
      }
    }
    CertStore certStore = CertStore.getInstance("Collection", new CollectionCertStoreParameters(store));
    CertificateFactory eeFactory = fresh ? bc : jdk;
    Runnable one = () -> {
      try {
        List<X509Certificate> path = new ArrayList<>();
        path.add((X509Certificate) eeFactory.generateCertificate(new ByteArrayInputStream(ee)));
        path.addAll(intermediates);
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        params.setRevocationEnabled(true);
        params.addCertStore(certStore);
        CertPathValidator.getInstance("PKIX").validate(jdk.generateCertPath(path), params);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    one.run();
    for (int i = 0; i < 2000; i++) {
      one.run(); // warm-up
    }
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        while (System.nanoTime() < end) {
          one.run();
          done.incrementAndGet();
        }
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    System.out.printf("jdk-%s threads=%d rps=%.1f%n", args[3], threads, done.get() / (double) seconds);
  }
}
