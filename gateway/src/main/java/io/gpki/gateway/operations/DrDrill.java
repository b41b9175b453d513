package io.gpki.gateway.operations;

import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.LraHandler;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.signer.CrlScope;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code gpki dr drill}: a timed failover against two running centers (docs/dr.md, "Drill").
 *
 * <pre>
 * gpki dr drill --backup-url https://backup:8543 --backup-repository http://backup:8180 \
 *               --master-url https://master:8443 --p12 dr1.p12 --approver-p12 dr2.p12 \
 *               --trust trust-osca.pem [--lra-p12 lra1.p12] [--ca osca] [--timeout 300] [--json]
 * </pre>
 *
 * <ol>
 *   <li>reads the replication position at the backup ({@code GET /api/v1/operations/center}: its
 *       applied seq and the master's head as last heard) and, if it answers, at the master (its
 *       head): the RPO is the master's head minus the backup's applied seq;
 *   <li>reads the CRL of {@code --ca} over HTTP at the backup's repository;
 *   <li>triggers: the first operator requests FAILOVER at the backup, the second approves;
 *   <li>polls, every 100 ms, the CRL over HTTP at the backup until its number is above the one read
 *       in 2, and (with {@code --lra-p12}) submits an issue request at the backup until it is taken
 *       (a backup answers 503) and polls it until the certificate is issued.
 * </ol>
 *
 * Prints the figures as text, or as one JSON object with {@code --json}. Exit 0 when the failover
 * republished the CRL (and issued, if asked) within {@code --timeout} seconds. Blocking by design
 * (a command line). Withdrawing the master (stop it, switch DNS, deactivate its HSM) before the
 * drill is the operators' part, as in a real failover; the drill does not stop it.
 */
public final class DrDrill {

  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final Duration POLL = Duration.ofMillis(100);
  private static final String USAGE =
      "usage: gpki dr drill --backup-url U --backup-repository HTTP --p12 F --approver-p12 F2"
          + " --trust PEM [--master-url U] [--lra-p12 F3] [--ca osca] [--timeout 300] [--json]";

  private DrDrill() {}

  /** What a drill measured. */
  public record Figures(
      String backupCenter,
      long epochBefore,
      long epochAfter,
      long masterHeadSeq,
      String masterHeadFrom,
      long backupAppliedSeq,
      String ca,
      BigInteger crlNumberBefore,
      @Nullable BigInteger crlNumberAfter,
      @Nullable Duration toRepublishedCrl,
      @Nullable Duration toFirstIssuance,
      @Nullable String issuedSerial,
      String approvalId,
      String execution,
      String result) {

    /** Changes the master had that the backup had not applied at the trigger. */
    public long rpoRecords() {
      return Math.max(0, masterHeadSeq - backupAppliedSeq);
    }

    ObjectNode json() {
      ObjectNode n = JSON.createObjectNode();
      n.put("backupCenter", backupCenter);
      n.put("epochBefore", epochBefore);
      n.put("epochAfter", epochAfter);
      ObjectNode rpo = n.putObject("rpo");
      rpo.put("masterHeadSeq", masterHeadSeq);
      rpo.put("masterHeadFrom", masterHeadFrom);
      rpo.put("backupAppliedSeq", backupAppliedSeq);
      rpo.put("records", rpoRecords());
      n.put("ca", ca);
      n.put("crlNumberBefore", crlNumberBefore.toString());
      n.put("crlNumberAfter", crlNumberAfter == null ? null : crlNumberAfter.toString());
      n.put(
          "triggerToRepublishedCrlMs",
          toRepublishedCrl == null ? null : toRepublishedCrl.toMillis());
      n.put(
          "triggerToFirstIssuanceMs", toFirstIssuance == null ? null : toFirstIssuance.toMillis());
      n.put("issuedSerial", issuedSerial);
      n.put("approvalId", approvalId);
      n.put("execution", execution);
      n.put("result", result);
      return n;
    }

    String text() {
      return String.join(
          "\n",
          "failover drill at " + backupCenter + ": epoch " + epochBefore + " -> " + epochAfter,
          "  replication position at the trigger: master head seq "
              + masterHeadSeq
              + " ("
              + masterHeadFrom
              + "), backup applied seq "
              + backupAppliedSeq
              + ", RPO "
              + rpoRecords()
              + " record(s)",
          "  trigger -> republished CRL of "
              + ca
              + " over HTTP at the backup: "
              + millis(toRepublishedCrl)
              + " (number "
              + crlNumberBefore
              + " -> "
              + crlNumberAfter
              + ")",
          "  trigger -> first certificate issued at the backup: "
              + millis(toFirstIssuance)
              + (issuedSerial == null ? "" : " (serial " + issuedSerial + ")"),
          "  approval " + approvalId + ": " + execution + " " + result);
    }

    private static String millis(@Nullable Duration d) {
      return d == null ? "not reached" : d.toMillis() + " ms";
    }
  }

  /** {@code gpki dr drill ...} (args without "drill"); the exit code (2: usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Map<String, String> opt = new HashMap<>();
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--json")) {
        json = true;
      } else if (i + 1 < args.length && args[i].startsWith("--")) {
        opt.put(args[i].substring(2), args[++i]);
      } else {
        err.println(USAGE);
        return 2;
      }
    }
    List<String> missing = new ArrayList<>();
    for (String k : List.of("backup-url", "backup-repository", "p12", "approver-p12", "trust")) {
      if (!opt.containsKey(k)) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      err.println("missing --" + String.join(", --", missing));
      err.println(USAGE);
      return 2;
    }
    Path trust = Path.of(one(opt, "trust"));
    URI backup = URI.create(one(opt, "backup-url"));
    LraClient requester = client(backup, one(opt, "p12"), trust);
    LraClient approver = client(backup, one(opt, "approver-p12"), trust);
    LraClient master =
        opt.containsKey("master-url")
            ? client(URI.create(one(opt, "master-url")), one(opt, "p12"), trust)
            : null;
    LraClient lra = opt.containsKey("lra-p12") ? client(backup, one(opt, "lra-p12"), trust) : null;
    Figures f =
        drill(
            requester,
            approver,
            master,
            lra,
            URI.create(one(opt, "backup-repository")),
            opt.getOrDefault("ca", "osca"),
            Duration.ofSeconds(Long.parseLong(opt.getOrDefault("timeout", "300"))));
    out.println(json ? f.json().toString() : f.text());
    boolean ok =
        f.execution().equals("DONE")
            && f.toRepublishedCrl() != null
            && (lra == null || f.toFirstIssuance() != null);
    return ok ? 0 : 1;
  }

  /** Runs the drill; see the class comment. */
  public static Figures drill(
      LraClient requester,
      LraClient approver,
      @Nullable LraClient master,
      @Nullable LraClient lra,
      URI backupRepository,
      String ca,
      Duration timeout)
      throws Exception {
    JsonNode before = answer(requester.get(CenterHandler.CENTER), 200, "backup status");
    if (!before.path("role").asString("").equals("BACKUP")) {
      throw new IllegalStateException("the backup center is not a BACKUP: " + before);
    }
    JsonNode position = before.path("replication");
    long applied = position.path("appliedSeq").asLong(position.path("headSeq").asLong(0));
    long masterHead = position.path("masterHeadSeq").asLong(applied);
    String headFrom = "the backup's last heartbeat from the master";
    if (master != null) {
      try {
        LraClient.Answer a = master.get(CenterHandler.CENTER);
        if (a.status() == 200) {
          masterHead =
              Math.max(
                  masterHead,
                  JSON.readTree(a.body()).path("replication").path("headSeq").asLong(0));
          headFrom = "the master";
        }
      } catch (IOException e) {
        headFrom = "the backup's last heartbeat (master unreachable: " + e + ")";
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI crlUrl = backupRepository.resolve(RepositoryUrls.listPath(ca, CrlScope.CRL));
    BigInteger crlBefore = crlNumber(http, crlUrl);
    if (crlBefore == null) {
      throw new IllegalStateException("the backup serves no CRL of " + ca + " at " + crlUrl);
    }

    String key = "drill-" + UUID.randomUUID();
    long t0 = System.nanoTime();
    JsonNode asked =
        answer(
            requester.post(
                ApprovalHandler.APPROVALS,
                key,
                DrCli.failoverJson(
                    key, "dr drill", "drill: the master center is withdrawn by the operators")),
            202,
            "failover request");
    String id = asked.get("id").asString();
    answer(
        approver.post(
            ApprovalHandler.APPROVALS + "/" + id + "/approve",
            "ap-" + key,
            JSON.createObjectNode().put("approve", id).toString()),
        200,
        "failover approval");

    long deadline = t0 + timeout.toNanos();
    Duration toCrl = null;
    BigInteger crlAfter = null;
    Duration toIssue = null;
    String serial = null;
    String requestId = null;
    String issueKey = key + "-issue";
    // A subject in the demo LRA's namespace (C, O, OU), as an operator would send.
    byte[] csr =
        LraClient.csr(
            LraClient.ecKeyPair(),
            new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.C, "JP")
                .addRDN(BCStyle.O, "Japanese Government")
                .addRDN(BCStyle.OU, "Ministry of Demo Affairs")
                .addRDN(BCStyle.CN, "DR drill " + key.substring(6, 14))
                .build());
    String execution = "PENDING";
    String result = "";
    while (System.nanoTime() - deadline < 0
        && (toCrl == null || (lra != null && toIssue == null) || execution.equals("PENDING"))) {
      if (toCrl == null) {
        BigInteger n = crlNumber(http, crlUrl);
        if (n != null && n.compareTo(crlBefore) > 0) {
          toCrl = since(t0);
          crlAfter = n;
        }
      }
      if (lra != null && toIssue == null) {
        if (requestId == null) {
          LraClient.Answer a =
              lra.post(
                  LraHandler.REQUESTS,
                  issueKey,
                  LraClient.issueJson(issueKey, "OFFICIAL_SIGNING", csr, List.of()));
          if (a.status() == 202) {
            requestId = JSON.readTree(a.body()).get("id").asString();
          } else if (a.status() != 503) {
            throw new IllegalStateException(
                "issue request refused: " + a.status() + " " + a.body());
          }
        } else {
          JsonNode s = answer(lra.get(LraHandler.REQUESTS + "/" + requestId), 200, "issue status");
          String state = s.path("state").asString("");
          if (state.equals("DONE")) {
            toIssue = since(t0);
            serial = s.path("serial").asString(null);
          } else if (!state.equals("ACCEPTED")) {
            throw new IllegalStateException("issue request " + requestId + " ended " + s);
          }
        }
      }
      if (execution.equals("PENDING")) {
        JsonNode a = answer(requester.get(ApprovalHandler.APPROVALS + "/" + id), 200, "approval");
        execution = a.path("execution").asString("PENDING");
        result = a.path("result").asString("");
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    JsonNode after = answer(requester.get(CenterHandler.CENTER), 200, "backup status");
    return new Figures(
        before.path("centerId").asString(""),
        before.path("epoch").asLong(),
        after.path("epoch").asLong(),
        masterHead,
        headFrom,
        applied,
        ca,
        crlBefore,
        crlAfter,
        toCrl,
        toIssue,
        serial,
        id,
        execution,
        result);
  }

  private static String one(Map<String, String> opt, String name) {
    return java.util.Objects.requireNonNull(opt.get(name), "--" + name + " is required");
  }

  private static Duration since(long t0) {
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  /** The CRL number of the list served at {@code url}, or null when none is served. */
  static @Nullable BigInteger crlNumber(HttpClient http, URI url) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      return null;
    }
    Extension e = new X509CRLHolder(r.body()).getExtension(Extension.cRLNumber);
    return e == null ? null : ASN1Integer.getInstance(e.getParsedValue()).getValue();
  }

  private static JsonNode answer(LraClient.Answer a, int expected, String what) {
    if (a.status() != expected) {
      throw new IllegalStateException(what + ": " + a.status() + " " + a.body());
    }
    return JSON.readTree(a.body());
  }

  private static LraClient client(URI url, String p12, Path trust) throws Exception {
    Path file = Path.of(p12);
    return new LraClient(
        url, Pkcs12Files.read(file, Pkcs12Files.passwordFile(file)), LraClient.trust(trust));
  }
}
