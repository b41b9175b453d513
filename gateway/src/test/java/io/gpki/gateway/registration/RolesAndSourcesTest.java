package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RolesAndSourcesTest {

  @Test
  void onlyDeputyAndLogInspectorMayBeCombined() {
    assertThat(OperatorRole.checked(List.of(OperatorRole.DEPUTY, OperatorRole.LOG_INSPECTOR)))
        .hasSize(2);
    assertThat(OperatorRole.checked(List.of(OperatorRole.LRA_OPERATOR))).hasSize(1);
    assertThatThrownBy(
            () ->
                OperatorRole.checked(List.of(OperatorRole.CA_OPERATOR, OperatorRole.LOG_INSPECTOR)))
        .hasMessageContaining("separation of duties");
    assertThatThrownBy(() -> OperatorRole.checked(List.of())).hasMessageContaining("needs a role");
  }

  @Test
  void sourceAllowlistsMatchCidrs() {
    assertThat(SourceAllowlist.allows(List.of(), "203.0.113.9")).isTrue();
    assertThat(SourceAllowlist.allows(List.of("10.1.0.0/16"), "10.1.200.3")).isTrue();
    assertThat(SourceAllowlist.allows(List.of("10.1.0.0/16"), "10.2.0.1")).isFalse();
    assertThat(SourceAllowlist.allows(List.of("192.0.2.7"), "192.0.2.7")).isTrue();
    assertThat(SourceAllowlist.allows(List.of("2001:db8::/32"), "2001:db8:1::5")).isTrue();
    assertThat(SourceAllowlist.allows(List.of("10.0.0.0/8"), "unknown")).isFalse();
  }

  @Test
  void namespacesAreSuffixes() {
    assertThat(Namespaces.subjectUnder(LraTestKit.subject("A"), DemoLra.BASE_DN)).isTrue();
    assertThat(
            Namespaces.subjectUnder(
                "OU=Ministry of Demo Affairs,O=Japanese Government,C=JP", DemoLra.BASE_DN))
        .as("the base itself is not under itself")
        .isFalse();
    assertThat(
            Namespaces.firstOutside(
                List.of(
                    new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.dNSName, "www.notdemo.go.jp")),
                List.of("demo.go.jp")))
        .isEqualTo("www.notdemo.go.jp");
  }
}
