package io.gpki.gateway.operations;

import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationJson;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/**
 * The DR operators' command line, over the operations API (mutual TLS, signed bodies, as {@code
 * lra}). Blocking by design (a command line).
 *
 * <pre>
 * gpki dr status   --url https://backup:8443 --p12 dr1.p12 --trust trust-osca.pem
 * gpki dr failover --url ... --p12 dr1.p12 --trust ... --reason "tokyo lost" \
 *                  --attestation "DNS switched to osaka; tokyo HSM deactivated"
 * gpki dr approve  --url ... --p12 dr2.p12 --trust ... --id &lt;approval id&gt;
 * gpki dr unfence  --url ... --p12 dr1.p12 --trust ... --reason "osaka confirms it was not promoted"
 * gpki dr drill    --backup-url ... --backup-repository ... --p12 dr1.p12 --approver-p12 dr2.p12 ...
 * gpki dr switchover --url https://master:8443 ... --target tokyo --reason "tokyo restored"
 * gpki dr quarantine ...   (see {@link DrQuarantine})
 * </pre>
 *
 * {@code failover} and {@code unfence} store a request for two-person control; a different operator
 * runs {@code approve}. The password is read from {@code <p12>.pass} unless {@code --password-file}
 * names another file. {@code drill} (a timed failover) is {@link DrDrill}.
 */
public final class DrCli {

  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final String USAGE =
      "usage: gpki dr status|failover|switchover|approve|unfence|quarantine --url U --p12 F --trust PEM [--reason R] [--attestation A] [--target CENTER] [--id ID]"
          + " | gpki dr drill ...";

  private DrCli() {}

  /** {@code gpki dr ...}; prints the answer, exits 0 on 2xx. */
  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; the exit code (2: usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length > 0 && args[0].equals("drill")) {
      return DrDrill.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
    }
    Map<String, List<String>> opt = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opt.computeIfAbsent(args[i].replaceFirst("^--", ""), k -> new ArrayList<>()).add(args[i + 1]);
    }
    String command = args.length == 0 ? "" : args[0];
    if (command.equals("quarantine")) {
      return DrQuarantine.run(args, out, err);
    }
    List<String> missing = new ArrayList<>(List.of("url", "p12", "trust"));
    switch (command) {
      case "status" -> {}
      case "failover" -> missing.addAll(List.of("reason", "attestation"));
      case "unfence" -> missing.add("reason");
      case "switchover" -> missing.addAll(List.of("target", "reason"));
      case "approve" -> missing.add("id");
      default -> {
        err.println(USAGE);
        return 2;
      }
    }
    missing.removeIf(opt::containsKey);
    if (!missing.isEmpty()) {
      err.println("missing --" + String.join(", --", missing));
      err.println(USAGE);
      return 2;
    }
    Path p12 = Path.of(one(opt, "p12"));
    Path pass =
        opt.containsKey("password-file")
            ? Path.of(one(opt, "password-file"))
            : Pkcs12Files.passwordFile(p12);
    LraClient client =
        new LraClient(
            URI.create(one(opt, "url")),
            Pkcs12Files.read(p12, pass),
            LraClient.trust(Path.of(one(opt, "trust"))));
    String key = opt.containsKey("key") ? one(opt, "key") : "dr-" + UUID.randomUUID();
    LraClient.Answer a =
        switch (command) {
          case "status" -> client.get(CenterHandler.CENTER);
          case "failover" ->
              client.post(
                  ApprovalHandler.APPROVALS,
                  key,
                  failoverJson(key, one(opt, "reason"), one(opt, "attestation")));
          case "switchover" ->
              client.post(
                  ApprovalHandler.APPROVALS,
                  key,
                  JSON.createObjectNode()
                      .put("action", "SWITCHOVER")
                      .put("idempotencyKey", key)
                      .put("target", one(opt, "target"))
                      .put("reason", one(opt, "reason"))
                      .toString());
          case "unfence" ->
              client.post(
                  ApprovalHandler.APPROVALS,
                  key,
                  JSON.createObjectNode()
                      .put("action", "UNFENCE")
                      .put("idempotencyKey", key)
                      .put("reason", one(opt, "reason"))
                      .toString());
          default ->
              client.post(
                  ApprovalHandler.APPROVALS + "/" + one(opt, "id") + "/approve",
                  key,
                  JSON.createObjectNode().put("approve", one(opt, "id")).toString());
        };
    out.println(a.status() + " " + a.body());
    return a.status() / 100 == 2 ? 0 : 1;
  }

  static String failoverJson(String key, String reason, String attestation) {
    return JSON.createObjectNode()
        .put("action", "FAILOVER")
        .put("idempotencyKey", key)
        .put("reason", reason)
        .put("attestation", attestation)
        .toString();
  }

  private static String one(Map<String, List<String>> opt, String name) {
    return java.util.Objects.requireNonNull(opt.get(name), "--" + name + " is required").get(0);
  }
}
