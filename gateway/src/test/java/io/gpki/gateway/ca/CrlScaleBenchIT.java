package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.TestDatabase;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Benchmark, not a timed test ({@code -Dgpki.bench=true -Dit.test=CrlScaleBenchIT}; sizes from
 * {@code -Dgpki.bench.crl.sizes=100000,1000000}): the time to generate and publish a CRL with that
 * many revoked entries, and the heap it needs. The revoked certificates are bulk-inserted with SQL
 * (benchmark set-up only: the store's own write path would take hours for a million); the list is
 * then issued by the real {@link CrlPublisher} (narrow streamed query, DER encoding, signature,
 * archive with change-log entry) and timed until the repository serves it over HTTP. Results: the
 * log lines starting {@code BENCH}.
 */
@EnabledIfSystemProperty(named = "gpki.bench", matches = "true")
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // no scheduled or revocation-triggered issue while a list is being timed
    properties = {
      "gpki.crl.period=PT24H",
      "gpki.crl.validity=PT48H",
      "gpki.crl.check-interval=PT1H"
    })
class CrlScaleBenchIT {

  private static final Logger LOG = LoggerFactory.getLogger(CrlScaleBenchIT.class);
  private static final String CA = "isca";
  private static Path dataDir;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    dataDir = GatewayTestSupport.register(registry);
  }

  @LocalServerPort int httpPort;
  @Autowired CrlPublisher publisher;
  @Autowired DatabaseCoordinates db;

  @Test
  void generateAndPublishLargeLists() throws Exception {
    WebTestClient http =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + httpPort)
            .responseTimeout(Duration.ofMinutes(2))
            .build();
    GatewayTestSupport.awaitReady(http, Duration.ofSeconds(180));
    List<Integer> sizes =
        Arrays.stream(System.getProperty("gpki.bench.crl.sizes", "100000,1000000").split(","))
            .map(String::trim)
            .map(Integer::valueOf)
            .toList();
    X509Certificate caCert = caCertificate(http);
    int inserted = 0;
    for (int size : sizes) {
      long t0 = System.nanoTime();
      insertRevoked(inserted, size);
      inserted = size;
      long loaded = System.nanoTime();

      System.gc();
      long before = heapUsed();
      resetPeaks();
      long start = System.nanoTime();
      CrlRecord crl = publisher.publish(CA, CrlScope.CRL).block(Duration.ofMinutes(10));
      long issued = System.nanoTime();
      long peak = heapPeak();
      byte[] served = awaitServed(http, crl);
      long published = System.nanoTime();
      System.gc();
      long retained = heapUsed();

      assertThat(crl.entryCount()).isGreaterThanOrEqualTo(size);
      assertThat(Certificates.digest("SHA-256", served)).isEqualTo(crl.sha256());
      if (size <= 200_000) {
        // The JDK makes an object per entry: fine for 100k, not what a million-entry check should
        // cost.
        X509CRL parsed =
            (X509CRL)
                CertificateFactory.getInstance("X.509")
                    .generateCRL(new java.io.ByteArrayInputStream(served));
        parsed.verify(caCert.getPublicKey());
        assertThat(parsed.getRevokedCertificates()).hasSizeGreaterThanOrEqualTo(size);
      }
      String openssl = "skipped";
      if (OpenSsl.available()) {
        Path file = Files.createTempFile(dataDir, "bench", ".crl");
        Files.write(file, served);
        Path ca =
            OpenSsl.pem(dataDir.resolve("isca.pem"), "CERTIFICATE", List.of(caCert.getEncoded()));
        OpenSsl.Result r =
            OpenSsl.run(
                List.of(
                    "crl",
                    "-inform",
                    "DER",
                    "-in",
                    file.toString(),
                    "-noout",
                    "-CAfile",
                    ca.toString()));
        assertThat(r.output()).contains("verify OK");
        openssl = "verify OK";
      }
      LOG.info(
          "BENCH crl entries={} bytes={} issue (query+encode+sign+archive)={} ms served over HTTP after {} ms;"
              + " heap before={} MB, peak during issue={} MB (+{} MB), retained after publication={} MB;"
              + " openssl crl: {}; bulk insert {} s",
          crl.entryCount(),
          served.length,
          (issued - start) / 1_000_000,
          (published - start) / 1_000_000,
          before >> 20,
          peak >> 20,
          (peak - before) >> 20,
          retained >> 20,
          openssl,
          (loaded - t0) / 1_000_000_000);
    }
  }

  /** Waits until the index names the new number (cheap to poll), then downloads the list once. */
  @SuppressWarnings("unchecked") // JSON read into untyped maps, as WebTestClient hands them out
  private byte[] awaitServed(WebTestClient http, CrlRecord crl) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      java.util.Map<String, Object> index =
          http.get()
              .uri("/repository")
              .exchange()
              .expectStatus()
              .isOk()
              .expectBody(java.util.Map.class)
              .returnResult()
              .getResponseBody();
      Object number =
          ((List<java.util.Map<String, Object>>) index.get("cas"))
              .stream()
                  .filter(c -> CA.equals(c.get("id")))
                  .map(c -> ((java.util.Map<String, Object>) c.get("crl")).get("number"))
                  .findFirst()
                  .orElseThrow();
      if (crl.number().toString().equals(String.valueOf(number))) {
        java.net.http.HttpResponse<byte[]> r =
            java.net.http.HttpClient.newHttpClient()
                .send(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(
                                "http://localhost:" + httpPort + "/repository/crl/" + CA + ".crl"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("CRL number " + crl.number() + " not served within 5 minutes");
  }

  @SuppressWarnings("unchecked") // JSON read into untyped maps, as WebTestClient hands them out
  private X509Certificate caCertificate(WebTestClient http) throws Exception {
    java.util.Map<String, Object> index =
        http.get()
            .uri("/repository")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(java.util.Map.class)
            .returnResult()
            .getResponseBody();
    String url =
        ((List<java.util.Map<String, Object>>) index.get("cas"))
            .stream()
                .filter(c -> CA.equals(c.get("id")))
                .map(c -> (String) c.get("certificate"))
                .findFirst()
                .orElseThrow();
    byte[] der =
        http.get()
            .uri(java.net.URI.create(url).getPath())
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(byte[].class)
            .returnResult()
            .getResponseBody();
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new java.io.ByteArrayInputStream(der));
  }

  /** Rows {@code from+1 .. to} of revoked end-entity certificates of the CA (16-byte serials). */
  private void insertRevoked(int from, int to) throws Exception {
    try (Connection c = TestDatabase.connect(db)) {
      int generation;
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT current_generation FROM ca WHERE id = '" + CA + "'")) {
        rs.next();
        generation = rs.getInt(1);
      }
      String sql =
          "INSERT INTO certificate (issuer_ca_id, issuer_generation, serial_hex, kind, profile, is_ca,"
              + " subject_dn, subject_der, issuer_dn, not_before, not_after, subject_key_ident, spki_sha256,"
              + " sha1, sha256, der, issued_at, revoked_at, revocation_reason, invalidity_date)"
              + " SELECT ?, ?, ltrim(md5('bench-' || g), '0'), 'END_ENTITY', 'BENCH', false,"
              + " 'CN=bench ' || g, '\\x30'::bytea, 'CN=bench', now() - interval '1 day', now() + interval '365 days',"
              + " '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, sha256(('bench-' || g)::bytea), '\\x30'::bytea,"
              + " now() - interval '1 day', now() - (g % 86400) * interval '1 second', (g % 6)::smallint,"
              + " CASE WHEN g % 2 = 0 THEN now() - interval '2 days' END"
              + " FROM generate_series(?, ?) AS g";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, CA);
        ps.setInt(2, generation);
        ps.setInt(3, from + 1);
        ps.setInt(4, to);
        ps.executeUpdate();
      }
      try (Statement st = c.createStatement()) {
        st.execute("ANALYZE certificate");
      }
    }
  }

  private static long heapUsed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  /**
   * Sum of the heap pools' peaks since the reset: an upper bound of what the issue held at once.
   */
  private static long heapPeak() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
