package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.testing.GatewayTestSupport;
import io.gpki.gateway.testing.OpenSsl;
import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.RepositoryStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The gateway with two key sources: the bridge and government CA keys on a PKCS#11 token
 * (SoftHSM2), the other CAs in the PKCS#12 keystore. The demo PKI comes up, each CA's keys sit in
 * the source configured for it, and what the HSM signed verifies with openssl.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HsmKeySourceIT {

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    Path dataDir = GatewayTestSupport.register(registry);
    // The token must exist before the first PKCS#11 call in this JVM (SoftHSM2 scans at
    // C_Initialize).
    GatewayTestSupport.registerHsmAndSoftSources(registry, dataDir, "bca", "osca");
  }

  @LocalServerPort int port;
  @Autowired RepositoryStore store;

  @Test
  void bridgeAndGovernmentKeysLiveOnTheTokenAndTheirSignaturesVerify(@TempDir Path dir)
      throws Exception {
    WebTestClient client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
    GatewayTestSupport.awaitReady(client, Duration.ofSeconds(120));

    Map<String, String> sourceByKey =
        store
            .cas()
            .cas()
            .flatMap(ca -> store.cas().keys(ca.id()))
            .collect(Collectors.toMap(CaKeyRecord::keyId, CaKeyRecord::keySource))
            .block(Duration.ofSeconds(30));
    assertThat(sourceByKey)
        .containsEntry("bca-g1", "hsm")
        .containsEntry("osca-g1", "hsm")
        .containsEntry("osca-g2", "hsm")
        .containsEntry("isca-g1", "soft")
        .containsEntry("private-demo-g1", "soft");

    byte[] bcaCert = body(client, "/repository/ca/bca.cer");
    byte[] bcaArl = body(client, "/repository/arl/bca.crl");
    X509CertificateHolder bca = new X509CertificateHolder(bcaCert);
    var verifier = new JcaContentVerifierProviderBuilder().build(bca);
    assertThat(new X509CRLHolder(bcaArl).isSignatureValid(verifier)).isTrue();
    assertThat(bca.isSignatureValid(verifier)).as("self-signed on the token").isTrue();

    if (OpenSsl.available()) {
      Path caPem = OpenSsl.pem(dir.resolve("bca.pem"), "CERTIFICATE", List.of(bcaCert));
      Path crlPem = OpenSsl.pem(dir.resolve("bca-arl.pem"), "X509 CRL", List.of(bcaArl));
      OpenSsl.Result r =
          OpenSsl.run(
              List.of("crl", "-in", crlPem.toString(), "-CAfile", caPem.toString(), "-noout"));
      assertThat(r.output()).contains("verify OK");
    }
  }

  private static byte[] body(WebTestClient client, String path) {
    return client
        .get()
        .uri(path)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(byte[].class)
        .returnResult()
        .getResponseBody();
  }
}
