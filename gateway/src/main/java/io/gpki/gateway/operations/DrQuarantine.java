package io.gpki.gateway.operations;

import io.gpki.gateway.registration.LraClient;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.gateway.registration.RegistrationJson;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.failover.QuarantineReport;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gpki dr quarantine}: the signed report of an old master's divergent tail, before it is
 * rebuilt from the new master (docs/dr.md, "Rebuilding an old master"). Blocking by design (a
 * command line, run against the fenced old master's database).
 *
 * <pre>
 * gpki dr quarantine --out report.json --db postgresql://host:5432/gpki --db-user gpki \
 *     [--db-password-file F] --sign-p12 ops.p12 [--sign-password-file F] \
 *     ( --url https://new-master:8443 --p12 dr1.p12 --trust trust-osca.pem
 *     | --new-epoch E --new-master C --fork-seq N --fork-hash HEX )
 * gpki dr quarantine --verify report.json [--signature report.json.p7s]
 * </pre>
 *
 * Writes {@code report.json} and its detached CMS SignedData {@code report.json.p7s} (signer
 * certificate included; {@code openssl cms -verify -binary -inform DER -in report.json.p7s -content
 * report.json -CAfile osca.pem} checks it too). With {@code --url} the fork point is read from the
 * new master's epoch history (the row of the epoch right after the old master's).
 */
public final class DrQuarantine {

  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final String USAGE =
      "usage: gpki dr quarantine --out FILE --db URL --db-user U [--db-password-file F]"
          + " --sign-p12 F [--sign-password-file F] (--url U --p12 F --trust PEM"
          + " | --new-epoch E --new-master C --fork-seq N --fork-hash HEX)\n"
          + "       gpki dr quarantine --verify FILE [--signature FILE.p7s]";

  private DrQuarantine() {}

  /** Runs {@code quarantine} ({@code args[0]}); the exit code (2: usage, 1: refused). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    if (opt.containsKey("verify")) {
      Path report = Path.of(req(opt, "verify"));
      Path sig = Path.of(opt.getOrDefault("signature", report + ".p7s"));
      try {
        X509CertificateHolder signer = verify(Files.readAllBytes(report), Files.readAllBytes(sig));
        out.println("signature verifies; signed by " + signer.getSubject());
        return 0;
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        return 1;
      }
    }
    for (String required : new String[] {"out", "db", "db-user", "sign-p12"}) {
      if (!opt.containsKey(required)) {
        err.println("missing --" + required);
        err.println(USAGE);
        return 2;
      }
    }
    boolean fromMaster = opt.containsKey("url");
    if (!fromMaster
        && !(opt.containsKey("new-epoch")
            && opt.containsKey("new-master")
            && opt.containsKey("fork-seq")
            && opt.containsKey("fork-hash"))) {
      err.println(
          "give --url (the new master) or --new-epoch, --new-master, --fork-seq, --fork-hash");
      err.println(USAGE);
      return 2;
    }
    String password =
        opt.containsKey("db-password-file")
            ? Files.readString(Path.of(req(opt, "db-password-file"))).strip()
            : null;
    if (password != null && password.isEmpty()) {
      password = null;
    }
    DatabaseCoordinates db =
        DatabaseCoordinates.parse(req(opt, "db"), req(opt, "db-user"), password);
    JsonNode history = fromMaster ? epochHistory(opt) : null;
    java.util.function.LongFunction<QuarantineReport.ForkPoint> fork =
        local -> history == null ? explicit(opt) : after(history, local);
    // A command line (main's thread): it waits for the report, as DrCli waits for its answer.
    QuarantineReport report =
        QuarantineReport.collect(db, fork, Clock.systemUTC())
            .toFuture()
            .get(10, java.util.concurrent.TimeUnit.MINUTES);
    Path signP12 = Path.of(req(opt, "sign-p12"));
    Pkcs12Files.Credential key =
        Pkcs12Files.read(
            signP12,
            opt.containsKey("sign-password-file")
                ? Path.of(req(opt, "sign-password-file"))
                : Pkcs12Files.passwordFile(signP12));
    byte[] json = report.json();
    Path target = Path.of(req(opt, "out"));
    Files.write(target, json);
    Files.write(Path.of(target + ".p7s"), sign(json, key.key(), key.chain()));
    out.println(report + "; written to " + target + " and " + target + ".p7s");
    if (!report.forkMatches()) {
      err.println(
          "WARNING: this center's record at the fork seq differs from the new master's: reconcile"
              + " from the last common record, not only the reported tail");
    }
    return 0;
  }

  /**
   * A detached CMS SignedData (DER) over {@code content}, with the signer's certificate chain.
   *
   * @param key the center's operations or audit key (or a DR operator's credential)
   * @param chain its certificate first, then its issuers
   */
  public static byte[] sign(byte[] content, PrivateKey key, X509Certificate... chain) {
    try {
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
      gen.addSignerInfoGenerator(
          new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
              .build(new JcaContentSignerBuilder(alg).build(key), chain[0]));
      gen.addCertificates(new JcaCertStore(Arrays.asList(chain)));
      return gen.generate(new CMSProcessableByteArray(content), false).getEncoded();
    } catch (OperatorCreationException
        | CMSException
        | java.security.cert.CertificateEncodingException
        | java.io.IOException e) {
      throw new IllegalStateException("cannot sign the quarantine report: " + e.getMessage(), e);
    }
  }

  /**
   * Verifies a detached signature over {@code content}; returns the signer's certificate (check
   * that it chains to the operators' trust anchor: it is the one embedded in the signature).
   *
   * @throws IllegalArgumentException when the signature does not verify
   */
  public static X509CertificateHolder verify(byte[] content, byte[] signature) {
    try {
      CMSSignedData cms = new CMSSignedData(new CMSProcessableByteArray(content), signature);
      List<SignerInformation> signers = new ArrayList<>(cms.getSignerInfos().getSigners());
      if (signers.size() != 1) {
        throw new IllegalArgumentException("expected one signer, found " + signers.size());
      }
      SignerInformation s = signers.get(0);
      @SuppressWarnings(
          "unchecked") // Bouncy Castle's Store is raw; it holds only X509CertificateHolder
      java.util.Collection<X509CertificateHolder> matches =
          cms.getCertificates().getMatches(s.getSID());
      X509CertificateHolder cert =
          matches.stream()
              .findFirst()
              .orElseThrow(
                  () -> new IllegalArgumentException("the signer's certificate is missing"));
      if (!s.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert))) {
        throw new IllegalArgumentException("the signature does not verify");
      }
      return cert;
    } catch (CMSException | OperatorCreationException | java.security.cert.CertificateException e) {
      throw new IllegalArgumentException("the signature does not verify: " + e.getMessage(), e);
    }
  }

  private static String req(Map<String, String> opt, String name) {
    return Objects.requireNonNull(opt.get(name), "--" + name + " is required");
  }

  private static QuarantineReport.ForkPoint explicit(Map<String, String> opt) {
    return new QuarantineReport.ForkPoint(
        Long.parseLong(req(opt, "new-epoch")),
        req(opt, "new-master"),
        Long.parseLong(req(opt, "fork-seq")),
        HexFormat.of().parseHex(req(opt, "fork-hash")));
  }

  /** The new master's center status (its epoch history), over the operations API. */
  private static JsonNode epochHistory(Map<String, String> opt) throws Exception {
    Path p12 = Path.of(req(opt, "p12"));
    LraClient client =
        new LraClient(
            URI.create(req(opt, "url")),
            Pkcs12Files.read(
                p12,
                opt.containsKey("password-file")
                    ? Path.of(req(opt, "password-file"))
                    : Pkcs12Files.passwordFile(p12)),
            LraClient.trust(Path.of(req(opt, "trust"))));
    LraClient.Answer a = client.get(CenterHandler.CENTER);
    if (a.status() != 200) {
      throw new IllegalStateException("the new master answered " + a.status() + ": " + a.body());
    }
    return JSON.readTree(a.body().getBytes(StandardCharsets.UTF_8)).path("epochHistory");
  }

  /** The fork point of the epoch right after {@code localEpoch} in the new master's history. */
  static QuarantineReport.ForkPoint after(JsonNode history, long localEpoch) {
    for (JsonNode e : history) {
      if (e.path("epoch").asLong() == localEpoch + 1) {
        if (!e.has("prevLastSeq") || !e.has("prevChainHash")) {
          throw new IllegalStateException(
              "epoch " + (localEpoch + 1) + " at the new master has no recorded fork point");
        }
        return new QuarantineReport.ForkPoint(
            localEpoch + 1,
            e.path("centerId").asString(""),
            e.path("prevLastSeq").asLong(),
            HexFormat.of().parseHex(e.path("prevChainHash").asString("")));
      }
    }
    throw new IllegalStateException(
        "the new master's history has no epoch " + (localEpoch + 1) + ": is this an old master?");
  }
}
