package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The machine-readable reason code of the verdict, not just VALID/not VALID: one PKITS run per
 * reason code the issue lists (expired, not yet valid, revoked with reason and date, bad signature,
 * no path, policy, name constraints, basic constraints, key usage, unknown critical extension,
 * revocation unavailable), through the same {@link ValidationEngine} and inputs as {@link
 * PkitsTest}.
 */
class PkitsReasonsTest {

  private static final Map<String, JsonNode> TESTS = new HashMap<>();
  private static ValidationEngine engine;

  @BeforeAll
  static void manifest() throws IOException {
    JsonNode manifest = JsonMapper.builder().build().readTree(PkitsTest.read("manifest.json"));
    manifest.get("tests").forEach(t -> TESTS.put(t.get("id").asString(), t));
    engine = new ValidationEngine(Limits.defaults());
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "INVALID BAD_SIGNATURE/4.1.2 CA signature", "4.1.2", "INVALID", Reason.BAD_SIGNATURE),
        Arguments.of(
            "INVALID BAD_SIGNATURE/4.1.3 EE signature", "4.1.3", "INVALID", Reason.BAD_SIGNATURE),
        Arguments.of(
            "INVALID NOT_YET_VALID/4.2.1 CA notBefore", "4.2.1", "INVALID", Reason.NOT_YET_VALID),
        Arguments.of(
            "INVALID NOT_YET_VALID/4.2.2 EE notBefore", "4.2.2", "INVALID", Reason.NOT_YET_VALID),
        Arguments.of("INVALID EXPIRED/4.2.5 CA notAfter", "4.2.5", "INVALID", Reason.EXPIRED),
        Arguments.of("INVALID EXPIRED/4.2.6 EE notAfter", "4.2.6", "INVALID", Reason.EXPIRED),
        Arguments.of("INVALID NO_PATH/4.3.1 name chaining", "4.3.1", "INVALID", Reason.NO_PATH),
        Arguments.of(
            "INDETERMINATE REVOCATION_UNAVAILABLE/4.4.1 missing CRL",
            "4.4.1",
            "INDETERMINATE",
            Reason.REVOCATION_UNAVAILABLE),
        Arguments.of(
            "INDETERMINATE REVOCATION_UNAVAILABLE/4.4.4 bad CRL signature",
            "4.4.4",
            "INDETERMINATE",
            Reason.REVOCATION_UNAVAILABLE),
        Arguments.of(
            "INDETERMINATE REVOCATION_UNAVAILABLE/4.4.11 old CRL nextUpdate",
            "4.4.11",
            "INDETERMINATE",
            Reason.REVOCATION_UNAVAILABLE),
        Arguments.of("INVALID REVOKED/4.4.2 revoked CA", "4.4.2", "INVALID", Reason.REVOKED),
        Arguments.of("INVALID REVOKED/4.4.3 revoked EE", "4.4.3", "INVALID", Reason.REVOKED),
        Arguments.of(
            "INVALID BASIC_CONSTRAINTS/4.6.1 missing basicConstraints",
            "4.6.1",
            "INVALID",
            Reason.BASIC_CONSTRAINTS),
        Arguments.of(
            "INVALID BASIC_CONSTRAINTS/4.6.2 cA false",
            "4.6.2",
            "INVALID",
            Reason.BASIC_CONSTRAINTS),
        Arguments.of(
            "INVALID BASIC_CONSTRAINTS/4.6.5 pathLenConstraint",
            "4.6.5",
            "INVALID",
            Reason.BASIC_CONSTRAINTS),
        Arguments.of(
            "INVALID KEY_USAGE/4.7.1 keyCertSign false", "4.7.1", "INVALID", Reason.KEY_USAGE),
        Arguments.of(
            "INVALID POLICY/4.8.2.2 no policies, explicit", "4.8.2.2", "INVALID", Reason.POLICY),
        Arguments.of(
            "INVALID POLICY/4.9.3 requireExplicitPolicy", "4.9.3", "INVALID", Reason.POLICY),
        Arguments.of(
            "INVALID POLICY/4.10.2.1 policy mapping", "4.10.2.1", "INVALID", Reason.POLICY),
        Arguments.of("INVALID POLICY/4.12.1 inhibitAnyPolicy", "4.12.1", "INVALID", Reason.POLICY),
        Arguments.of(
            "INVALID NAME_CONSTRAINTS/4.13.2 DN", "4.13.2", "INVALID", Reason.NAME_CONSTRAINTS),
        Arguments.of(
            "INVALID NAME_CONSTRAINTS/4.13.22 RFC822",
            "4.13.22",
            "INVALID",
            Reason.NAME_CONSTRAINTS),
        Arguments.of(
            "INVALID NAME_CONSTRAINTS/4.13.31 DNS", "4.13.31", "INVALID", Reason.NAME_CONSTRAINTS),
        Arguments.of(
            "INVALID NAME_CONSTRAINTS/4.13.35 URI", "4.13.35", "INVALID", Reason.NAME_CONSTRAINTS),
        Arguments.of(
            "INVALID UNKNOWN_CRITICAL_EXTENSION/4.16.2 certificate extension",
            "4.16.2",
            "INVALID",
            Reason.UNKNOWN_CRITICAL_EXTENSION));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theVerdictNamesTheReason(String label, String id, String verdict, Reason reason) {
    JsonNode t = TESTS.get(id);
    assertThat(t).as(id).isNotNull();
    Outcome o = PkitsTest.run(engine, t);
    assertThat(o.verdict() + " " + reasonOf(o))
        .as(PkitsTest.describe(o))
        .isEqualTo(verdict + " " + reason);
    if (o instanceof Outcome.Invalid i && reason == Reason.REVOKED) {
      assertThat(i.revoked()).as("revocation reason and date").isNotNull();
      assertThat(i.revoked().reason()).isEqualTo("keyCompromise");
      assertThat(i.revoked().revocationDate()).isBefore(Instant.parse("2011-04-15T00:00:00Z"));
    }
  }

  private static Reason reasonOf(Outcome o) {
    if (o instanceof Outcome.Invalid i) {
      return i.reason();
    }
    if (o instanceof Outcome.Indeterminate i) {
      return i.reason();
    }
    return null;
  }
}
