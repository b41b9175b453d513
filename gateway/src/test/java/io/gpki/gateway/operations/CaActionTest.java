package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.signer.KeySpec;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

/** The format check of two-person CA actions; cases named by outcome. */
class CaActionTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String KEY = "key-00001";

  private static CaAction parse(String json) {
    return CaAction.parse(JSON.readTree(json), KEY);
  }

  static Stream<Arguments> refused() {
    String k = "\"idempotencyKey\":\"" + KEY + "\"";
    return Stream.of(
        Arguments.of(
            "400/idempotency key differs",
            "{\"action\":\"CA_KEY_GENERATE\",\"idempotencyKey\":\"other-key\",\"ca\":\"osca\"}",
            400,
            "idempotencyKey:"),
        Arguments.of(
            "400/unknown action",
            "{\"action\":\"DELETE_CA\"," + k + ",\"ca\":\"osca\"}",
            400,
            "action:"),
        Arguments.of("400/missing ca", "{\"action\":\"CA_KEY_GENERATE\"," + k + "}", 400, "ca:"),
        Arguments.of(
            "400/unknown key spec",
            "{\"action\":\"CA_KEY_GENERATE\"," + k + ",\"ca\":\"osca\",\"keySpec\":\"DSA\"}",
            400,
            "keySpec:"),
        Arguments.of(
            "400/root validity too short",
            "{\"action\":\"CA_KEY_GENERATE\"," + k + ",\"ca\":\"osca\",\"validityDays\":30}",
            400,
            "validityDays:"),
        Arguments.of(
            "400/activation without generation",
            "{\"action\":\"CA_KEY_ACTIVATE\"," + k + ",\"ca\":\"osca\"}",
            400,
            "keyGeneration:"),
        Arguments.of(
            "400/cross without certificate",
            "{\"action\":\"CROSS_CERTIFICATE_ISSUE\","
                + k
                + ",\"ca\":\"bca\",\"policies\":[\"2.999.1\"]}",
            400,
            "subjectCertificate:"),
        Arguments.of(
            "400/cross certificate not DER",
            "{\"action\":\"CROSS_CERTIFICATE_ISSUE\","
                + k
                + ",\"ca\":\"bca\",\"subjectCertificate\":\"AAAA\",\"policies\":[\"2.999.1\"]}",
            400,
            "subjectCertificate:"),
        Arguments.of(
            "400/cross revoke serial not hex",
            "{\"action\":\"CROSS_CERTIFICATE_REVOKE\","
                + k
                + ",\"ca\":\"bca\",\"serial\":\"xyz\",\"reason\":1}",
            400,
            "serial:"),
        Arguments.of(
            "400/cross revoke with hold",
            "{\"action\":\"CROSS_CERTIFICATE_REVOKE\","
                + k
                + ",\"ca\":\"bca\",\"serial\":\"0a\",\"reason\":6}",
            400,
            "reason:"),
        Arguments.of(
            "400/failover without reason",
            "{\"action\":\"FAILOVER\"," + k + ",\"attestation\":\"dns switched\"}",
            400,
            "reason:"),
        Arguments.of(
            "400/failover without attestation",
            "{\"action\":\"FAILOVER\"," + k + ",\"reason\":\"tokyo lost\"}",
            400,
            "attestation:"),
        Arguments.of(
            "400/unfence without reason", "{\"action\":\"UNFENCE\"," + k + "}", 400, "reason:"),
        Arguments.of(
            "400/switchover without target",
            "{\"action\":\"SWITCHOVER\"," + k + ",\"reason\":\"tokyo restored\"}",
            400,
            "target:"),
        Arguments.of(
            "400/switchover to a name that is no center id",
            "{\"action\":\"SWITCHOVER\"," + k + ",\"target\":\"../x y\",\"reason\":\"r\"}",
            400,
            "target:"),
        Arguments.of(
            "400/switchover without reason",
            "{\"action\":\"SWITCHOVER\"," + k + ",\"target\":\"tokyo\"}",
            400,
            "reason:"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusesNamingTheField(String outcome, String json, int status, String detail) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOfSatisfying(
            PkiException.class, e -> assertThat(e.type().status()).isEqualTo(status))
        .hasMessageStartingWith(detail);
  }

  @Test
  void parsesEachActionWithItsDefaults() {
    CaAction.KeyGenerate g =
        (CaAction.KeyGenerate)
            parse(
                "{\"action\":\"CA_KEY_GENERATE\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"ca\":\"osca\",\"keySpec\":\"EC-P256\"}");
    assertThat(g.spec()).isEqualTo(KeySpec.EC_P256);
    assertThat(g.validityDays()).isEqualTo(3650);
    CaAction.KeyActivate a =
        (CaAction.KeyActivate)
            parse(
                "{\"action\":\"CA_KEY_ACTIVATE\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"ca\":\"osca\",\"keyGeneration\":3}");
    assertThat(a.generation()).isEqualTo(3);
    CaAction.CrossRevoke r =
        (CaAction.CrossRevoke)
            parse(
                "{\"action\":\"CROSS_CERTIFICATE_REVOKE\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"ca\":\"bca\",\"serial\":\"00AB\",\"reason\":5}");
    assertThat(r.serialHex()).isEqualTo("ab");
    assertThat(ErrorType.NOT_IMPLEMENTED.status()).isEqualTo(501);
    CaAction.Failover f =
        (CaAction.Failover)
            parse(
                "{\"action\":\"FAILOVER\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"reason\":\" tokyo lost \","
                    + "\"attestation\":\"DNS switched to osaka; tokyo HSM deactivated\"}");
    assertThat(f.reason()).isEqualTo("tokyo lost");
    assertThat(f.attestation()).startsWith("DNS switched");
    assertThat(f.caId()).as("a center action names no CA").isEmpty();
    CaAction.Unfence u =
        (CaAction.Unfence)
            parse(
                "{\"action\":\"UNFENCE\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"reason\":\"osaka confirms no failover\"}");
    assertThat(u.summary()).contains("osaka confirms");
    CaAction.Switchover sw =
        (CaAction.Switchover)
            parse(
                "{\"action\":\"SWITCHOVER\",\"idempotencyKey\":\""
                    + KEY
                    + "\",\"target\":\"tokyo\",\"reason\":\"tokyo restored\"}");
    assertThat(sw.target()).isEqualTo("tokyo");
    assertThat(sw.caId()).as("a center action names no CA").isEmpty();
    assertThat(sw.summary()).contains("over to tokyo");
  }
}
