package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16 (6): which request targets WebFlux cannot take (and so get a problem from the fast
 * path).
 */
class EarlyRefusalsTest {

  @ParameterizedTest(name = "400/{0}")
  @ValueSource(
      strings = {"/crls/search.cgi?iHash=%%%%zz", "/a%zz", "/a%2", "/ldap/cn=a b", "/x?q={y}"})
  void malformedTargetsAreNamed(String target) {
    assertThat(EarlyRefusals.malformedTarget(target))
        .isNotNull()
        .startsWith("malformed request target: ");
  }

  @ParameterizedTest(name = "taken/{0}")
  @ValueSource(
      strings = {
        "/repository/crl/osca.crl",
        "/crls/search.cgi?iHash=AbC%2B%2Fxyz",
        "/ldap/CN=a%20b,C=JP?x?base",
        "/api/v1/validations?sign=true",
        "*"
      })
  void wellFormedTargetsPass(String target) {
    assertThat(EarlyRefusals.malformedTarget(target)).isNull();
  }

  @org.junit.jupiter.api.Test
  void aBadEscapeSaysHowToWriteAPercent() {
    assertThat(EarlyRefusals.malformedTarget("/crls/search.cgi?iHash=%%%%zz")).contains("'%25'");
  }
}
