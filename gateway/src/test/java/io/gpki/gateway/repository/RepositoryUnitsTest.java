package io.gpki.gateway.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.protocol.LDAPMessage;
import com.unboundid.ldap.protocol.SearchRequestProtocolOp;
import com.unboundid.ldap.protocol.SearchResultDoneProtocolOp;
import com.unboundid.ldap.sdk.DereferencePolicy;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchScope;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;

/** Units of the lookup interfaces that need no running gateway. */
class RepositoryUnitsTest {

  private static final RepositoryProperties PROPS =
      new RepositoryProperties(
          false,
          100,
          2048,
          1024,
          new RepositoryProperties.Http(
              4, 4, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(30), true),
          new RepositoryProperties.Ldap(
              false,
              "127.0.0.1",
              0,
              "localhost",
              4,
              1,
              Duration.ofMillis(50),
              Duration.ofSeconds(60),
              65536));

  @Test
  void ldapSearchesBeyondTheLimitAreAnsweredBusy() {
    AccessStatistics stats =
        new AccessStatistics(new SimpleMeterRegistry(), Clock.systemUTC(), ZoneOffset.UTC);
    LdapRequestHandler handler = new LdapRequestHandler(null, PROPS, new Semaphore(0), stats, null);
    LDAPMessage m =
        handler.processSearchRequest(
            1,
            new SearchRequestProtocolOp(
                "C=JP",
                SearchScope.SUB,
                DereferencePolicy.NEVER,
                0,
                0,
                false,
                Filter.createPresenceFilter("objectClass"),
                List.of("certificateRevocationList;binary")),
            List.of());
    assertThat(((SearchResultDoneProtocolOp) m.getProtocolOp()).getResultCode())
        .isEqualTo(ResultCode.BUSY_INT_VALUE);
  }

  @Test
  void dnNormalizationFollowsRfc4518() {
    assertThat(DirectoryNames.normalize("OU=BridgeCA,  OU=GPKI  Demo , O=Japanese Government,C=JP"))
        .isEqualTo(DirectoryNames.normalize("ou=bridgeca,ou=gpki demo,o=JAPANESE GOVERNMENT,c=jp"))
        .isEqualTo(
            DirectoryNames.normalize(
                "2.5.4.11=BridgeCA,organizationalUnitName=GPKI Demo,O=Japanese Government,C=JP"));
    assertThat(DirectoryNames.normalize("CN=A,C=JP"))
        .isNotEqualTo(DirectoryNames.normalize("CN=B,C=JP"));
  }

  @Test
  void rfc4387HashValuesAcceptTheRfcFormAndCommonVariants() {
    byte[] h = new byte[20];
    h[0] = (byte) 0xfb; // base64 of this starts with '+'
    h[1] = (byte) 0xff;
    String canonical = Hashes.encode(h);
    assertThat(canonical).hasSize(27).startsWith("+/");
    assertThat(Hashes.canonical(canonical + "=")).isEqualTo(canonical);
    assertThat(Hashes.canonical(canonical.replace('+', ' '))).isEqualTo(canonical);
    assertThat(Hashes.canonical(canonical.replace('+', '-').replace('/', '_')))
        .isEqualTo(canonical);
    assertThat(Hashes.canonical("abc")).isNull();
    Rfc4387Handler.Query q =
        Rfc4387Handler.parse(
            "sHash=" + canonical.replace("+", "%2B").replace("/", "%2F"),
            Rfc4387Handler.CERT_ATTRIBUTES);
    assertThat(q.value()).isEqualTo(canonical);
    assertThatThrownBy(
            () -> Rfc4387Handler.parse("certHash=a&sHash=b", Rfc4387Handler.CERT_ATTRIBUTES))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(() -> Rfc4387Handler.parse("sHash=x", Rfc4387Handler.CRL_ATTRIBUTES))
        .hasMessageContaining("unknown attribute");
  }

  @Test
  void ldapUrlQueriesParseAsRfc4516() {
    LdapUrlHandler.Request r =
        LdapUrlHandler.parse(
            "OU=X%5C%2CY,C=JP",
            "cACertificate;binary,crossCertificatePair;binary?one?(objectClass=pkiCA)", 1024);
    assertThat(r.attributes())
        .containsExactly("cACertificate;binary", "crossCertificatePair;binary");
    assertThat(r.scope()).isEqualTo(SearchScope.ONE);
    assertThat(r.base().getRDN().getAttributeValues()[0]).isEqualTo("X,Y");
    assertThatThrownBy(() -> LdapUrlHandler.parse("C=JP", "?base?(cn~=x)", 1024))
        .hasMessageContaining("unsupported filter");
    assertThatThrownBy(() -> LdapUrlHandler.parse("C=JP", "?base?(cn=x)?!e-bindname=x", 1024))
        .hasMessageContaining("critical");
    assertThatThrownBy(() -> LdapUrlHandler.parse("C=JP", "?chain", 1024))
        .hasMessageContaining("scope");
  }

  @Test
  void staleListsCarryAWarningAndCountInTheMetric() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    PublishedResponder responder =
        new PublishedResponder(Clock.fixed(now, ZoneOffset.UTC), Duration.ofMinutes(10), meters);
    Published stale =
        new Published(
            new byte[] {1, 2, 3},
            SnapshotBuilder.PKIX_CRL,
            "\"x\"",
            now.minusSeconds(7200),
            now.minusSeconds(1));
    WebTestClient.bindToRouterFunction(
            RouterFunctions.route().GET("/c", r -> responder.respond(r, stale)).build())
        .build()
        .get()
        .uri("/c")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueMatches("Warning", "110 .*nextUpdate has passed.*")
        .expectHeader()
        .valueEquals("Cache-Control", "public, max-age=0");
    assertThat(meters.get(PublishedResponder.STALE_METRIC).counter().count()).isEqualTo(1.0);
  }

  /** Issue 16 (6): the client learns why a DN or filter does not parse, never "null". */
  @Test
  void malformedDnsAndFiltersSayWhy() {
    assertThatThrownBy(() -> LdapUrlHandler.parse("foo", null, 1024))
        .hasMessageStartingWith("malformed DN: ")
        .hasMessageNotContaining("null")
        .hasMessageContaining("equal sign");
    assertThatThrownBy(() -> DirectoryNames.normalize("cn=x,,"))
        .hasMessageStartingWith("malformed DN: ")
        .hasMessageNotContaining("null");
    assertThatThrownBy(() -> LdapUrlHandler.parse("C=JP", "?base?(cn=x", 1024))
        .hasMessageStartingWith("malformed filter: ")
        .hasMessageNotContaining("null");
  }
}
