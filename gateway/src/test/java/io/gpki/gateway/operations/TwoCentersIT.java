package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.GatewayApplication;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.LraHandler;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationListener;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CrlNumbers;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.client.ReactorResourceFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two complete centers in one JVM, each with its own PostgreSQL database, data folder and ports,
 * set up as the README's "Two centers on one machine": the master replicates to the backup over
 * mutual TLS; it issues, revokes and publishes, the backup applies and serves the same CRL over
 * HTTP and refuses writes naming the master. Then the master stops, and {@code dr drill} (the two-
 * person FAILOVER over the backup's operations API) promotes the backup: epoch + 1, a CRL with a
 * higher, epoch-major number, the same issuing distribution point and every unexpired entry, a new
 * certificate issued there, nothing the master published missing.
 */
class TwoCentersIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void theBackupAppliesTheMastersWorkAndAFailoverDrillPromotesItWithoutLosingAnything()
      throws Exception {
    DatabaseCoordinates dbA = TestDatabase.freshDatabase();
    DatabaseCoordinates dbB = TestDatabase.freshDatabase();
    Path a = Files.createTempDirectory("gpki-center-a");
    Path b = Files.createTempDirectory("gpki-center-b");
    int streamPort = freePort();

    ConfigurableApplicationContext master =
        start(
            dbA,
            a,
            "--gpki.replication.center-id=center-a",
            "--gpki.replication.role=MASTER",
            "--gpki.replication.peers=center-b",
            "--gpki.replication.port=" + streamPort);
    ConfigurableApplicationContext backup = null;
    try {
      URI masterHttp = URI.create("http://localhost:" + port(master, "local.server.port"));
      URI masterLra = lra(master);
      // The master issues the backup's client certificate once its PKI and stream are up.
      Path peer = a.resolve("replication/peer-center-b-client.p12");
      Await.await(
          "the master's replication credential for center-b",
          () -> Files.exists(peer) && Files.exists(Path.of(peer + ".pass")),
          WAIT);
      Await.await(
          "the master's CRL", () -> get(masterHttp, RepositoryUrls.indexPath()) != null, WAIT);

      // The README's copies: the backup's client credential, the LRA listener's credential, and the
      // key backup restored into the backup's keystore (docs/dr.md, key policy).
      copy(peer, b.resolve("replication/client-tls.p12"));
      copy(Path.of(peer + ".pass"), b.resolve("replication/client-tls.p12.pass"));
      try (Stream<Path> files = Files.list(a.resolve("registration"))) {
        for (Path f :
            files.filter(f -> f.getFileName().toString().startsWith("server-tls.p12")).toList()) {
          copy(f, b.resolve("registration").resolve(f.getFileName()));
        }
      }
      try (Stream<Path> files = Files.list(a.resolve("keys"))) {
        for (Path f : files.toList()) {
          copy(f, b.resolve("keys").resolve(f.getFileName()));
        }
      }
      backup =
          start(
              dbB,
              b,
              "--gpki.replication.center-id=center-b",
              "--gpki.replication.role=BACKUP",
              "--gpki.replication.master-center=center-a",
              "--gpki.replication.master-url=https://localhost:" + streamPort);
      URI backupHttp = URI.create("http://localhost:" + port(backup, "local.server.port"));
      URI backupLra = lra(backup);

      // The master issues and revokes over its LRA API; the revocation publishes a new CRL.
      Path ops = a.resolve("demo-lra");
      LraClient lraAtMaster = client(masterLra, ops, "lra-operator-1");
      JsonNode kept = issue(lraAtMaster, "Kept Subscriber");
      JsonNode revoked = issue(lraAtMaster, "Revoked Subscriber");
      String ca = revoked.get("ca").asString();
      String revokedSerial = revoked.get("serial").asString();
      String rk = "it-" + UUID.randomUUID();
      LraClient.Answer r =
          lraAtMaster.post(LraHandler.REQUESTS, rk, LraClient.revokeJson(rk, revokedSerial, 1));
      assertThat(r.status()).as(r.body()).isEqualTo(202);
      awaitDone(lraAtMaster, JSON.readTree(r.body()).get("id").asString());
      String crlPath = RepositoryUrls.listPath(ca, CrlScope.CRL);
      Await.await(
          "the master's CRL lists " + revokedSerial,
          () -> revokedIn(get(masterHttp, crlPath)).contains(new BigInteger(revokedSerial, 16)),
          WAIT);

      // The backup applied it: the same CRL bytes over HTTP at the backup's repository port.
      Await.await(
          "the backup serves the master's CRL",
          () -> Arrays.equals(get(backupHttp, crlPath), get(masterHttp, crlPath)),
          WAIT);
      byte[] masterCrl = get(masterHttp, crlPath);
      assertThat(get(backupHttp, RepositoryUrls.certificatePath(ca, kept.get("serial").asString())))
          .isNotNull();

      // Writes at the backup: 503 backup-center, naming the master. Its LRA listener trusts the
      // operators once the trust CA's rolled-over key has been replicated.
      LraClient lraAtBackup = client(backupLra, ops, "lra-operator-1");
      Await.await(
          "the backup's LRA listener accepts the master's operators",
          () -> {
            try {
              return lraAtBackup.get(CenterHandler.CENTER).status() == 200;
            } catch (IOException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return true;
            }
          },
          WAIT);
      String wk = "it-" + UUID.randomUUID();
      LraClient.Answer refused =
          lraAtBackup.post(LraHandler.REQUESTS, wk, issueJson(wk, "Refused At Backup"));
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      JsonNode problem = JSON.readTree(refused.body());
      assertThat(problem.get("type").asString()).isEqualTo("urn:gpki:problem:backup-center");
      assertThat(problem.get("detail").asString()).contains("center-a");

      // Everything the master has, the backup applied; the master's last figures.
      long masterHead = head(dbA);
      Await.await("the backup applied seq " + masterHead, () -> head(dbB) >= masterHead, WAIT);
      Set<String> masterCerts =
          column(dbA, "SELECT issuer_ca_id || '/' || serial_hex FROM certificate");
      Set<String> masterLists =
          column(dbA, "SELECT ca_id || '/' || scope || '/' || crl_number FROM crl");
      BigInteger lastMasterNumber = number(masterCrl);
      X509CRLHolder lastMasterList = new X509CRLHolder(masterCrl);

      // The master center is lost.
      master.close();

      Path senior1 = ops.resolve("ca-senior-1.p12");
      Path senior2 = ops.resolve("ca-senior-2.p12");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int exit =
          DrCli.run(
              new String[] {
                "drill",
                "--backup-url",
                backupLra.toString(),
                "--backup-repository",
                backupHttp.toString(),
                "--master-url",
                masterLra.toString(),
                "--p12",
                senior1.toString(),
                "--approver-p12",
                senior2.toString(),
                "--lra-p12",
                ops.resolve("lra-operator-1.p12").toString(),
                "--trust",
                ops.resolve("trust-osca.pem").toString(),
                "--ca",
                ca,
                "--timeout",
                "60",
                "--json"
              },
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      String printed = out.toString(StandardCharsets.UTF_8).trim();
      System.out.println("DR DRILL FIGURES: " + printed);
      assertThat(exit).as(printed + err.toString(StandardCharsets.UTF_8)).isZero();
      JsonNode figures = JSON.readTree(printed);
      assertThat(figures.get("execution").asString()).isEqualTo("DONE");
      assertThat(figures.get("epochBefore").asLong()).isEqualTo(1);
      assertThat(figures.get("epochAfter").asLong()).isEqualTo(2);
      assertThat(figures.get("rpo").get("backupAppliedSeq").asLong()).isEqualTo(masterHead);
      assertThat(figures.get("rpo").get("records").asLong()).isZero();
      assertThat(new BigInteger(figures.get("crlNumberBefore").asString()))
          .isEqualTo(lastMasterNumber);

      // The promoted backup's CRL over HTTP: higher, epoch-major, same IDP, every unexpired entry.
      byte[] newCrl = get(backupHttp, crlPath);
      BigInteger newNumber = number(newCrl);
      assertThat(newNumber).isGreaterThan(lastMasterNumber);
      assertThat(CrlNumbers.epochOf(newNumber)).isEqualTo(2);
      assertThat(newNumber.shiftRight(64)).isEqualTo(BigInteger.TWO);
      X509CRLHolder newList = new X509CRLHolder(newCrl);
      assertThat(newList.getExtension(Extension.issuingDistributionPoint).getExtnValue())
          .isEqualTo(
              lastMasterList.getExtension(Extension.issuingDistributionPoint).getExtnValue());
      assertThat(revokedIn(newCrl)).containsAll(revokedIn(masterCrl));
      assertThat(revokedIn(newCrl)).contains(new BigInteger(revokedSerial, 16));

      // The first certificate issued at the backup, in its repository.
      String issued = figures.get("issuedSerial").asString();
      assertThat(issued).isNotBlank();
      assertThat(get(backupHttp, RepositoryUrls.certificatePath(ca, issued))).isNotNull();

      // Nothing the master published or acknowledged is missing.
      assertThat(column(dbB, "SELECT issuer_ca_id || '/' || serial_hex FROM certificate"))
          .containsAll(masterCerts);
      assertThat(column(dbB, "SELECT ca_id || '/' || scope || '/' || crl_number FROM crl"))
          .containsAll(masterLists);
      LraClient status = client(backupLra, ops, "ca-senior-1");
      JsonNode center = JSON.readTree(status.get(CenterHandler.CENTER).body());
      assertThat(center.get("role").asString()).isEqualTo("MASTER");
      assertThat(center.get("epoch").asLong()).isEqualTo(2);
      JsonNode promotion = center.get("epochHistory").get(center.get("epochHistory").size() - 1);
      assertThat(promotion.get("kind").asString()).isEqualTo("FAILOVER");
      assertThat(promotion.get("prevLastSeq").asLong()).isEqualTo(masterHead);
      assertThat(promotion.get("requestedBy").asString()).isEqualTo("ca-senior-1");
      assertThat(promotion.get("approvedBy").asString()).isEqualTo("ca-senior-2");
    } finally {
      if (backup != null) {
        backup.close();
      }
      master.close();
    }
  }

  private static ConfigurableApplicationContext start(
      DatabaseCoordinates db, Path dataDir, String... replication) throws IOException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--server.shutdown=immediate",
                "--management.server.port=0",
                "--gpki.registration.port=0",
                "--gpki.repository.ldap.port=0",
                "--gpki.data-dir=" + dataDir,
                "--gpki.db.url=postgresql://" + db.host() + ":" + db.port() + "/" + db.database(),
                "--gpki.db.user=" + db.user(),
                "--gpki.crl.revocation-publish-delay=200ms",
                "--gpki.center.fence-on-unclean-stop=true",
                "--gpki.replication.enabled=true"));
    if (db.password() != null) {
      Path pass = dataDir.resolve("db.pass");
      Files.writeString(pass, db.password());
      args.add("--gpki.db.password-file=" + pass);
    }
    args.addAll(List.of(replication));
    return new SpringApplicationBuilder(GatewayApplication.class)
        // Two centers in one JVM: by default Spring Boot's Netty server runs on Reactor Netty's
        // global event loops and disposes them when its context closes, which would take the
        // other center's listeners down with it. Each center gets loops of its own instead (one
        // center per JVM, as in production, needs none of this).
        .initializers(
            ctx ->
                ((org.springframework.context.support.GenericApplicationContext) ctx)
                    .registerBean(
                        "reactorResourceFactory",
                        ReactorResourceFactory.class,
                        () -> {
                          ReactorResourceFactory f = new ReactorResourceFactory();
                          f.setUseGlobalResources(false);
                          return f;
                        }))
        .run(args.toArray(String[]::new));
  }

  private static int port(ConfigurableApplicationContext ctx, String property) {
    return Integer.parseInt(ctx.getEnvironment().getRequiredProperty(property));
  }

  private static URI lra(ConfigurableApplicationContext ctx) {
    RegistrationListener listener = ctx.getBean(RegistrationListener.class);
    Await.await("the LRA listener", () -> listener.port() > 0, WAIT);
    return URI.create("https://localhost:" + listener.port());
  }

  private static LraClient client(URI url, Path dir, String operator) throws Exception {
    Path p12 = dir.resolve(operator + ".p12");
    return new LraClient(
        url,
        Pkcs12Files.read(p12, Pkcs12Files.passwordFile(p12)),
        LraClient.trust(dir.resolve("trust-osca.pem")));
  }

  private static String issueJson(String key, String cn) {
    return LraClient.issueJson(
        key,
        "OFFICIAL_SIGNING",
        LraClient.csr(
            LraClient.ecKeyPair(),
            new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "JP")
                .addRDN(BCStyle.O, "Japanese Government")
                .addRDN(BCStyle.OU, "Ministry of Demo Affairs")
                .addRDN(BCStyle.CN, cn)
                .build()),
        List.of());
  }

  private static JsonNode issue(LraClient c, String cn) throws Exception {
    String k = "it-" + UUID.randomUUID();
    LraClient.Answer a = c.post(LraHandler.REQUESTS, k, issueJson(k, cn));
    assertThat(a.status()).as(a.body()).isEqualTo(202);
    return awaitDone(c, JSON.readTree(a.body()).get("id").asString());
  }

  private static JsonNode awaitDone(LraClient c, String id) {
    // A 503 (a store call that timed out on a busy machine) or any other answer without a request
    // body is "not yet"; the failure message carries the last answer.
    LraClient.Answer done =
        Await.until(
            "request " + id + " leaves ACCEPTED",
            () -> c.get(LraHandler.REQUESTS + "/" + id),
            a ->
                a.status() == 200
                    && !JSON.readTree(a.body())
                        .path("state")
                        .asString("ACCEPTED")
                        .equals("ACCEPTED"),
            WAIT);
    JsonNode n = JSON.readTree(done.body());
    assertThat(n.get("state").asString()).as(n.toString()).isEqualTo("DONE");
    return n;
  }

  /** The body of a 200 answer, or null. */
  private static byte[] get(URI base, String path) {
    try {
      HttpResponse<byte[]> r =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static BigInteger number(byte[] crl) throws Exception {
    return org.bouncycastle.asn1.ASN1Integer.getInstance(
            new X509CRLHolder(crl).getExtension(Extension.cRLNumber).getParsedValue())
        .getValue();
  }

  private static Set<BigInteger> revokedIn(byte[] crl) {
    Set<BigInteger> serials = new HashSet<>();
    if (crl == null) {
      return serials;
    }
    try {
      for (Object e : new X509CRLHolder(crl).getRevokedCertificates()) {
        serials.add(((X509CRLEntryHolder) e).getSerialNumber());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return serials;
  }

  private static long head(DatabaseCoordinates db) {
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT last_seq FROM change_log_head WHERE id = 1")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> column(DatabaseCoordinates db, String sql) throws Exception {
    Set<String> out = new HashSet<>();
    try (Connection c = TestDatabase.connect(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
