package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.gateway.PkiException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestParserTest {

  private final RequestParser parser =
      new RequestParser(Duration.ofDays(365), Duration.ofDays(1825));

  private static final String CSR =
      java.util.Base64.getEncoder()
          .encodeToString(LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject("Unit")));

  static Stream<Arguments> refused() {
    String ok = "\"idempotencyKey\":\"key-00001\",\"signedAt\":\"2026-01-01T00:00:00Z\"";
    return Stream.of(
        Arguments.of("400/not json", "nope", "body:"),
        Arguments.of("400/not an object", "[1]", "body:"),
        Arguments.of("400/missing type", "{" + ok + "}", "type:"),
        Arguments.of("400/unknown type", "{\"type\":\"renew\"," + ok + "}", "type:"),
        Arguments.of(
            "400/short idempotency key",
            "{\"type\":\"issue\",\"idempotencyKey\":\"k\"}",
            "idempotencyKey:"),
        Arguments.of(
            "400/bad signedAt",
            "{\"type\":\"issue\",\"idempotencyKey\":\"key-00001\",\"signedAt\":\"yesterday\"}",
            "signedAt:"),
        Arguments.of(
            "400/unknown profile",
            "{\"type\":\"issue\"," + ok + ",\"profile\":\"X\",\"csr\":\"" + CSR + "\"}",
            "profile:"),
        Arguments.of(
            "400/CA profile",
            "{\"type\":\"issue\"," + ok + ",\"profile\":\"CROSS_CA\",\"csr\":\"" + CSR + "\"}",
            "profile:"),
        Arguments.of(
            "400/csr not base64 DER",
            "{\"type\":\"issue\"," + ok + ",\"profile\":\"USER_SIGNING\",\"csr\":\"AAAA\"}",
            "csr:"),
        Arguments.of(
            "400/validity too long",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"csr\":\""
                + CSR
                + "\",\"validityDays\":4000}",
            "validityDays:"),
        Arguments.of(
            "400/bad SAN",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"csr\":\""
                + CSR
                + "\",\"subjectAltNames\":[\"ip:1.2.3.4\"]}",
            "subjectAltNames:"),
        Arguments.of(
            "400/missing serial", "{\"type\":\"revoke\"," + ok + ",\"reason\":1}", "serial:"),
        Arguments.of(
            "400/serial not hex",
            "{\"type\":\"revoke\"," + ok + ",\"serial\":\"xyz\",\"reason\":1}",
            "serial:"),
        Arguments.of(
            "400/csr and keyGeneration",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"csr\":\""
                + CSR
                + "\",\"keyGeneration\":{\"algorithm\":\"EC-P256\"}}",
            "keyGeneration:"),
        Arguments.of(
            "400/unknown key algorithm",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"subject\":\"CN=A,C=JP\",\"keyGeneration\":{\"algorithm\":\"RSA-1024\"}}",
            "keyGeneration:"),
        Arguments.of(
            "400/keyGeneration without subject",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"keyGeneration\":{\"algorithm\":\"EC-P256\"}}",
            "subject:"),
        Arguments.of(
            "400/subject not a name",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"subject\":\"not a dn\",\"keyGeneration\":{\"algorithm\":\"EC-P256\"}}",
            "subject:"),
        Arguments.of(
            "400/subject beside a csr",
            "{\"type\":\"issue\","
                + ok
                + ",\"profile\":\"USER_SIGNING\",\"csr\":\""
                + CSR
                + "\",\"subject\":\"CN=A,C=JP\"}",
            "subject:"),
        Arguments.of(
            "400/removeFromCRL",
            "{\"type\":\"revoke\"," + ok + ",\"serial\":\"0a\",\"reason\":8}",
            "reason:"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesNamingTheField(String outcome, String json, String field) {
    assertThatThrownBy(() -> parser.parse(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(PkiException.class)
        .hasMessageStartingWith(field);
  }

  @Test
  void parsesAnIssueAndNormalisesARevokeSerial() {
    String key = "key-00002";
    LraRequest issue =
        parser.parse(
            LraClient.issueJson(
                    key,
                    "USER_SIGNING",
                    LraClient.csr(LraClient.ecKeyPair(), LraTestKit.subject("Unit")),
                    List.of("dns:a.demo.go.jp"))
                .getBytes(StandardCharsets.UTF_8));
    assertThat(issue).isInstanceOf(LraRequest.Issue.class);
    assertThat(((LraRequest.Issue) issue).validity()).isEqualTo(Duration.ofDays(365));
    LraRequest.Issue generated =
        (LraRequest.Issue)
            parser.parse(
                LraClient.issueGeneratedJson(
                        key,
                        "USER_SIGNING",
                        "CN=Unit,OU=Ministry of Demo Affairs,O=Japanese Government,C=JP",
                        "RSA-3072",
                        List.of())
                    .getBytes(StandardCharsets.UTF_8));
    assertThat(generated.csr()).isNull();
    assertThat(generated.keyGeneration()).isEqualTo(ServerKeyAlgorithm.RSA_3072);
    assertThat(generated.subject()).isEqualTo(LraTestKit.subject("Unit"));
    LraRequest revoke =
        parser.parse(LraClient.revokeJson(key, "00AB", 1).getBytes(StandardCharsets.UTF_8));
    assertThat(((LraRequest.Revoke) revoke).serialHex()).isEqualTo("ab");
  }
}
