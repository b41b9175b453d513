package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.AuditVerification;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.testing.Await;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero loss under SIGKILL: the gateway runs as its own process; 700 issue and 300 revoke requests
 * are sent while the process is killed with SIGKILL at random moments and restarted. Every request
 * that got 202 must complete exactly once: one journal row per key, one certificate per issue
 * request, every revocation in the store and in the CRL, and the audit chain intact.
 */
class CrashIT {

  private static final Logger LOG = LoggerFactory.getLogger(CrashIT.class);
  private static final int ISSUES = 700;
  private static final int REVOKES = 300;
  private static final Duration START = Duration.ofSeconds(240);

  private final Random random = new Random();
  private final Map<String, String> acceptedIds = new ConcurrentHashMap<>();

  @Test
  void everyAcceptedRequestCompletesExactlyOnceAcrossKills() throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    Path dataDir = Files.createTempDirectory("gpki-crash");
    ExecutorService senders = Executors.newFixedThreadPool(8);
    try (GatewayProcess gateway =
        new GatewayProcess(
            db,
            dataDir,
            "--gpki.crl.revocation-publish-delay=200ms",
            "--gpki.operations.audit-seal-interval=2s")) {
      // Requests (keys, CSRs) are made while the first start creates the demo PKI.
      Future<List<String[]>> prepared =
          senders.submit(
              () -> {
                List<String[]> out = new ArrayList<>();
                for (int i = 0; i < ISSUES; i++) {
                  String key = "crash-issue-" + i;
                  out.add(new String[] {key, LraTestKit.issueJson(key, "crash-" + i)});
                }
                return out;
              });
      LOG.info("first start (demo PKI) took {}", gateway.start(START));
      LraClient client = LraTestKit.client(dataDir, "lra-operator-1", gateway.lraPort);
      List<String[]> issues = prepared.get();
      Instant t0 = Instant.now();
      runWithKills(gateway, senders, client, issues, 2);
      awaitAllFinal(db);
      Map<String, String> serials =
          query(
              db,
              "SELECT idempotency_key, result_serial FROM registration_request"
                  + " WHERE idempotency_key LIKE 'crash-issue-%' AND state = 'DONE'");
      assertThat(serials).hasSize(ISSUES);

      List<String[]> revokes = new ArrayList<>();
      List<String> revokedSerials = new ArrayList<>();
      for (int i = 0; i < REVOKES; i++) {
        String key = "crash-revoke-" + i;
        String serial = serials.get("crash-issue-" + i);
        revokedSerials.add(serial);
        revokes.add(new String[] {key, LraClient.revokeJson(key, serial, 1)});
      }
      runWithKills(gateway, senders, client, revokes, 2);
      awaitAllFinal(db);
      LOG.info(
          "{} requests, {} process starts, {} total",
          ISSUES + REVOKES,
          gateway.starts(),
          Duration.between(t0, Instant.now()));

      // exactly once: one row per key, every accepted id done, one certificate per issue request
      assertThat(count(db, "SELECT count(*) FROM registration_request"))
          .isEqualTo(ISSUES + REVOKES);
      assertThat(count(db, "SELECT count(*) FROM registration_request WHERE state <> 'DONE'"))
          .isZero();
      Map<String, String> states = query(db, "SELECT id, state FROM registration_request");
      assertThat(acceptedIds).hasSize(ISSUES + REVOKES);
      acceptedIds
          .values()
          .forEach(id -> assertThat(states.get(id)).as("accepted %s", id).isEqualTo("DONE"));
      assertThat(count(db, "SELECT count(*) FROM certificate WHERE subject_dn LIKE 'CN=crash-%'"))
          .isEqualTo(ISSUES);
      assertThat(
              count(
                  db,
                  "SELECT count(*) FROM (SELECT subject_dn FROM certificate WHERE subject_dn LIKE"
                      + " 'CN=crash-%' GROUP BY subject_dn HAVING count(*) > 1) d"))
          .isZero();
      assertThat(
              count(
                  db,
                  "SELECT count(*) FROM registration_request r JOIN certificate c ON c.issuer_ca_id ="
                      + " r.ca_id AND c.serial_hex = r.result_serial WHERE r.kind = 'ISSUE'"))
          .isEqualTo(ISSUES);
      assertThat(
              count(
                  db,
                  "SELECT count(*) FROM certificate WHERE subject_dn LIKE 'CN=crash-%' AND revoked_at"
                      + " IS NOT NULL"))
          .isEqualTo(REVOKES);

      // the CRL lists every revocation (after the last restart, within seconds)
      Await.until(
          "the latest CRL lists every revocation",
          () -> missingFromLatestCrl(db, revokedSerials),
          Set::isEmpty,
          Duration.ofSeconds(30));
      AuditVerification audit = RegistrationStores.verifyAudit(db);
      assertThat(audit.ok()).as("%s", audit).isTrue();
    } finally {
      senders.shutdownNow();
    }
  }

  /**
   * Sends every request (retrying through outages) while killing the process {@code kills} times.
   */
  private void runWithKills(
      GatewayProcess gateway,
      ExecutorService senders,
      LraClient client,
      List<String[]> requests,
      int kills)
      throws Exception {
    List<Future<?>> futures = new ArrayList<>();
    for (String[] r : requests) {
      futures.add(
          senders.submit(
              () -> {
                send(
                    client,
                    r[0],
                    client.sign(r[1])); // signed once: every resend is the same request
                return null;
              }));
    }
    for (int k = 0; k < kills; k++) {
      // kill while requests flow: after some acceptances since the last start, at a random moment
      int before = acceptedIds.size();
      try {
        Await.await(
            "20 more acceptances", () -> acceptedIds.size() >= before + 20, Duration.ofSeconds(60));
      } catch (AssertionError slow) {
        LOG.info("fewer than 20 acceptances in 60 s; killing anyway");
      }
      Await.pause(Duration.ofMillis(random.nextInt(1500))); // a random moment within the flow
      gateway.kill();
      LOG.info(
          "SIGKILL {} of this phase; {} requests accepted so far (all phases)",
          k + 1,
          acceptedIds.size());
      LOG.info("restart took {}", gateway.start(START));
    }
    for (Future<?> f : futures) {
      f.get();
    }
  }

  private void send(LraClient client, String key, byte[] signed) throws Exception {
    // Resent until accepted: an IOException (the process is down or was killed mid-request) counts
    // as "not yet"; any answer but 202, 503 or 500 fails at once.
    LraClient.Answer a =
        Await.until(
            "request " + key + " accepted",
            () -> {
              LraClient.Answer answer = client.postSigned(LraHandler.REQUESTS, key, signed);
              if (answer.status() != 202) {
                assertThat(answer.status()).as(answer.body()).isIn(503, 500);
              }
              return answer;
            },
            answer -> answer.status() == 202,
            Duration.ofSeconds(300));
    String id = LraTestKit.json(a).get("id").asString();
    String before = acceptedIds.putIfAbsent(key, id);
    assertThat(before == null || before.equals(id)).as("a repeat answers the first id").isTrue();
  }

  private static void awaitAllFinal(DatabaseCoordinates db) throws Exception {
    Await.until(
        "no request left ACCEPTED",
        () -> count(db, "SELECT count(*) FROM registration_request WHERE state = 'ACCEPTED'"),
        accepted -> accepted == 0,
        Duration.ofSeconds(120));
  }

  private static Set<String> missingFromLatestCrl(DatabaseCoordinates db, List<String> serials)
      throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT der FROM crl WHERE ca_id = 'osca' AND scope = 'CRL'"
                    + " ORDER BY crl_number DESC LIMIT 1")) {
      Set<String> missing = new HashSet<>(serials);
      if (rs.next()) {
        X509CRLHolder crl = new X509CRLHolder(rs.getBytes(1));
        missing.removeIf(s -> crl.getRevokedCertificate(new BigInteger(s, 16)) != null);
      }
      return missing;
    }
  }

  private static long count(DatabaseCoordinates db, String sql) throws Exception {
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Map<String, String> query(DatabaseCoordinates db, String sql) throws Exception {
    Map<String, String> out = new java.util.HashMap<>();
    try (Connection c = TestDatabase.connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }
}
