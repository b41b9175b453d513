package io.gpki.gateway.registration;

import io.gpki.sync.testing.Await;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Test helpers around {@link LraClient}: demo credentials, subjects, polling. */
final class LraTestKit {

  static final JsonMapper JSON = JsonMapper.builder().build();

  private LraTestKit() {}

  static LraClient client(Path dataDir, String operator, int port) throws Exception {
    Path dir = dataDir.toAbsolutePath().normalize().resolve("demo-lra");
    Path p12 = dir.resolve(operator + ".p12");
    return new LraClient(
        URI.create("https://localhost:" + port),
        Pkcs12Files.read(p12, Pkcs12Files.passwordFile(p12)),
        LraClient.trust(dir.resolve("trust-osca.pem")));
  }

  /** A subject inside the demo LRA's namespace. */
  static X500Name subject(String cn) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.C, "JP")
        .addRDN(BCStyle.O, "Japanese Government")
        .addRDN(BCStyle.OU, "Ministry of Demo Affairs")
        .addRDN(BCStyle.CN, cn)
        .build();
  }

  static String issueJson(String key, String cn) {
    return issueJson(key, LraClient.ecKeyPair(), cn);
  }

  static String issueJson(String key, KeyPair kp, String cn) {
    return LraClient.issueJson(key, "OFFICIAL_SIGNING", LraClient.csr(kp, subject(cn)), List.of());
  }

  static JsonNode json(LraClient.Answer a) {
    return JSON.readTree(a.body());
  }

  /** Polls the request until it leaves ACCEPTED. */
  static JsonNode awaitFinal(LraClient client, String id, Duration limit) throws Exception {
    LraClient.Answer done =
        Await.until(
            "request " + id + " leaves ACCEPTED",
            () -> client.get(LraHandler.REQUESTS + "/" + id),
            a -> a.status() == 200 && !json(a).get("state").asString().equals("ACCEPTED"),
            limit);
    return json(done);
  }
}
