package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a webhook receiver does with a body: split the compact JWS, take the certificate from {@code
 * x5c}, check it chains to the trusted CA and verify RS256 over {@code header.payload}.
 */
final class JwsCheck {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private JwsCheck() {}

  /** Verifies {@code jws} against {@code anchors}; returns the payload. */
  static JsonNode verify(String jws, List<X509Certificate> anchors) throws Exception {
    String[] parts = jws.split("\\.");
    assertThat(parts).hasSize(3);
    Base64.Decoder url = Base64.getUrlDecoder();
    JsonNode header = JSON.readTree(url.decode(parts[0]));
    assertThat(header.get("alg").asString()).isEqualTo("RS256");
    assertThat(header.get("typ").asString()).isEqualTo(WebhookSigner.TYPE);
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate leaf =
        (X509Certificate)
            cf.generateCertificate(
                new ByteArrayInputStream(
                    Base64.getDecoder().decode(header.get("x5c").get(0).asString())));
    X509Certificate ca =
        (X509Certificate)
            cf.generateCertificate(
                new ByteArrayInputStream(
                    Base64.getDecoder().decode(header.get("x5c").get(1).asString())));
    // The chain must end at a CA the receiver already trusts, not merely at the one sent along.
    assertThat(anchors).as("x5c[1] is a trusted anchor").contains(ca);
    leaf.verify(ca.getPublicKey());
    leaf.checkValidity();
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initVerify(leaf.getPublicKey());
    s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
    assertThat(s.verify(url.decode(parts[2]))).as("JWS signature").isTrue();
    return JSON.readTree(url.decode(parts[1]));
  }
}
