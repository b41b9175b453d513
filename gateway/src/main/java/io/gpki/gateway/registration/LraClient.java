package io.gpki.gateway.registration;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The command-line LRA client: builds, signs (CMS, with the operator's PKCS#12 key) and sends
 * requests over mutual TLS. Blocking by design (a command line).
 *
 * <pre>
 * gpki lra issue  --url https://localhost:8443 --p12 op.p12 --trust trust-osca.pem \
 *                 --subject "CN=Taro,OU=Ministry of Demo Affairs,O=Japanese Government,C=JP" \
 *                 --profile OFFICIAL_SIGNING [--san dns:x.demo.go.jp] --key-out taro.key.der
 * gpki lra issue  --url ... --p12 ... --trust ... --subject ... --profile USER_SIGNING \
 *                 --generate-key RSA-2048|RSA-3072|EC-P256 [--secret-out taro.secret]
 * gpki lra pickup --url ... --p12 ... --trust ... --id &lt;request id&gt; --out taro.p12
 * gpki lra revoke --url ... --p12 ... --trust ... --serial 1a2b --reason 1
 * gpki lra status --url ... --p12 ... --trust ... --id &lt;request id&gt;
 * gpki lra feed   --url ... --p12 ... --trust ... [--after &lt;cursor&gt;]
 * </pre>
 *
 * The password is read from {@code <p12>.pass} unless {@code --password-file} names another file.
 */
public final class LraClient {

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private final URI base;
  private final Pkcs12Files.Credential credential;
  private final HttpClient http;

  /** A client for one operator. */
  public LraClient(URI base, Pkcs12Files.Credential credential, List<X509Certificate> trust) {
    this.base = base;
    this.credential = credential;
    this.http =
        HttpClient.newBuilder()
            .sslContext(ssl(credential, trust))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** An HTTP answer. */
  public record Answer(int status, String body) {}

  /** Signs {@code json} and POSTs it to {@code path} with the idempotency key. */
  public Answer post(String path, String idempotencyKey, String json)
      throws IOException, InterruptedException {
    return postSigned(path, idempotencyKey, sign(json));
  }

  /** POSTs an already signed body (for replays). */
  public Answer postSigned(String path, String idempotencyKey, byte[] cms)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", SignedRequests.MEDIA_TYPE)
            .header(SignedBodies.IDEMPOTENCY_KEY, idempotencyKey)
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(cms))
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /**
   * Picks up the PKCS#12 of a server-generated key (once; mutual TLS authenticates the operator).
   */
  public Answer pickupKey(String requestId) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve(KeyPickupHandler.path(requestId)))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /** GETs a path. */
  public Answer get(String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /** CMS-signs JSON with the operator's key. */
  public byte[] sign(String json) {
    return SignedRequests.sign(
        json.getBytes(StandardCharsets.UTF_8), credential.key(), credential.certificate());
  }

  /** The JSON of an issue request. */
  public static String issueJson(String key, String profile, byte[] csrDer, List<String> sans) {
    ObjectNode n =
        JSON.createObjectNode()
            .put("type", "issue")
            .put("idempotencyKey", key)
            .put("profile", profile)
            .put("csr", Base64.getEncoder().encodeToString(csrDer))
            .put("signedAt", Instant.now().toString());
    sans.forEach(n.putArray("subjectAltNames")::add);
    return n.toString();
  }

  /** The JSON of an issue request for which the gateway generates the key (no CSR). */
  public static String issueGeneratedJson(
      String key, String profile, String subjectRfc4514, String algorithm, List<String> sans) {
    ObjectNode n =
        JSON.createObjectNode()
            .put("type", "issue")
            .put("idempotencyKey", key)
            .put("profile", profile)
            .put("subject", subjectRfc4514)
            .put("signedAt", Instant.now().toString());
    n.putObject("keyGeneration").put("algorithm", algorithm);
    sans.forEach(n.putArray("subjectAltNames")::add);
    return n.toString();
  }

  /** The JSON of a revoke request. */
  public static String revokeJson(String key, String serialHex, int reason) {
    return JSON.createObjectNode()
        .put("type", "revoke")
        .put("idempotencyKey", key)
        .put("serial", serialHex)
        .put("reason", reason)
        .put("signedAt", Instant.now().toString())
        .toString();
  }

  /** A PKCS#10 request for a fresh key pair (P-256 for speed, or RSA-2048). */
  public static byte[] csr(KeyPair keys, X500Name subject) {
    try {
      String alg =
          keys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      return new JcaPKCS10CertificationRequestBuilder(subject, keys.getPublic())
          .build(new JcaContentSignerBuilder(alg).build(keys.getPrivate()))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the CSR", e);
    }
  }

  /** A fresh P-256 key pair. */
  public static KeyPair ecKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(256);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trust anchors from a PEM file. */
  public static List<X509Certificate> trust(Path pem) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> out = new ArrayList<>();
      CertificateFactory.getInstance("X.509")
          .generateCertificates(in)
          .forEach(c -> out.add((X509Certificate) c));
      return out;
    }
  }

  private static SSLContext ssl(Pkcs12Files.Credential credential, List<X509Certificate> trust) {
    try {
      char[] pw = UUID.randomUUID().toString().toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("client", credential.key(), pw, credential.chain());
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      for (int i = 0; i < trust.size(); i++) {
        ts.setCertificateEntry("anchor" + i, trust.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS", e);
    }
  }

  /** {@code gpki lra issue|revoke|status ...}; prints the answer, exits 0 on 2xx. */
  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; prints the answer to {@code out}, notes to {@code err}; the exit code. */
  public static int run(String[] args, java.io.PrintStream out, java.io.PrintStream err)
      throws Exception {
    if (args.length < 1) {
      err.println(
          "usage: gpki lra issue|revoke|status|pickup|feed --url U --p12 F --trust PEM [options]");
      return 2;
    }
    Map<String, List<String>> opt = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opt.computeIfAbsent(args[i].replaceFirst("^--", ""), k -> new ArrayList<>()).add(args[i + 1]);
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
            trust(Path.of(one(opt, "trust"))));
    String key = opt.containsKey("key") ? one(opt, "key") : "cli-" + UUID.randomUUID();
    Answer a =
        switch (args[0]) {
          case "issue" -> {
            if (opt.containsKey("generate-key")) {
              yield issueGenerated(client, key, opt, err);
            }
            KeyPair kp = ecKeyPair();
            Files.write(Path.of(one(opt, "key-out")), kp.getPrivate().getEncoded());
            yield client.post(
                LraHandler.REQUESTS,
                key,
                issueJson(
                    key,
                    one(opt, "profile"),
                    csr(
                        kp,
                        X500Name.getInstance(
                            new javax.security.auth.x500.X500Principal(one(opt, "subject"))
                                .getEncoded())),
                    opt.getOrDefault("san", List.of())));
          }
          case "revoke" ->
              client.post(
                  LraHandler.REQUESTS,
                  key,
                  revokeJson(key, one(opt, "serial"), Integer.parseInt(one(opt, "reason"))));
          case "status" -> client.get(LraHandler.REQUESTS + "/" + one(opt, "id"));
          case "pickup" -> pickup(client, one(opt, "id"), Path.of(one(opt, "out")));
          case "feed" ->
              client.get(
                  LraFeedHandler.FEED
                      + "?after="
                      + (opt.containsKey("after") ? one(opt, "after") : "0"));
          default -> throw new IllegalArgumentException("unknown command " + args[0]);
        };
    out.println(a.status() + " " + a.body());
    return a.status() / 100 == 2 ? 0 : 1;
  }

  /**
   * Sends an issue request without CSR; the one-time secret goes to a 0600 file, never to the
   * screen.
   */
  private static Answer issueGenerated(
      LraClient client, String key, Map<String, List<String>> opt, java.io.PrintStream err)
      throws Exception {
    Answer a =
        client.post(
            LraHandler.REQUESTS,
            key,
            issueGeneratedJson(
                key,
                one(opt, "profile"),
                one(opt, "subject"),
                one(opt, "generate-key"),
                opt.getOrDefault("san", List.of())));
    if (a.status() != 202) {
      return a;
    }
    ObjectNode body = (ObjectNode) JSON.readTree(a.body());
    String secret = body.path("keySecret").asString("");
    if (body.has("keySecret") && !secret.startsWith("already")) {
      Path out =
          Path.of(
              opt.containsKey("secret-out")
                  ? one(opt, "secret-out")
                  : body.get("id").asString() + ".secret");
      Pkcs12Files.writePrivate(out, (secret + "\n").getBytes(StandardCharsets.UTF_8));
      body.put("keySecret", "written to " + out.toAbsolutePath());
      err.println(
          "one-time secret of the generated key written to " + out.toAbsolutePath() + " (0600)");
    }
    return new Answer(a.status(), body.toString());
  }

  /**
   * Picks up a server-generated key once: writes the PKCS#12 and the certificate (PEM) next to it.
   */
  private static Answer pickup(LraClient client, String id, Path out) throws Exception {
    Answer a = client.pickupKey(id);
    if (a.status() != 200) {
      return a;
    }
    ObjectNode body = (ObjectNode) JSON.readTree(a.body());
    Pkcs12Files.writePrivate(out, Base64.getDecoder().decode(body.get("pkcs12").asString()));
    Path cert = out.resolveSibling(out.getFileName() + ".crt.pem");
    Files.writeString(
        cert,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(Base64.getDecoder().decode(body.get("certificate").asString()))
            + "\n-----END CERTIFICATE-----\n");
    body.put(
        "pkcs12", "written to " + out.toAbsolutePath() + " (encrypted to the one-time secret)");
    body.put("certificate", "written to " + cert.toAbsolutePath());
    return new Answer(a.status(), body.toString());
  }

  private static String one(Map<String, List<String>> opt, String name) {
    List<String> v = opt.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v.get(0);
  }
}
