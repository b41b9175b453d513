package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** HTTP and LDAP fetching, size caps and SSRF refusals. */
class FetcherTest {

  static StaticServer http;
  static InMemoryDirectoryServer ldap;
  static Scheduler ldapThreads = Schedulers.newBoundedElastic(2, 16, "test-ldap");
  static byte[] crl;
  static Cert caCert;
  static Cert otherCaCert;
  static byte[] pair;

  @BeforeAll
  static void servers() throws Exception {
    TestCa ca = new TestCa("Fetch CA");
    crl = ca.crl(List.of()).der();
    http = new StaticServer();
    http.files.put("/ca.crl", crl);
    http.files.put("/big.crl", new byte[200_000]);
    InMemoryDirectoryServerConfig cfg = new InMemoryDirectoryServerConfig("o=Test");
    cfg.setListenerConfigs(
        InMemoryListenerConfig.createLDAPConfig(
            "default", InetAddress.getLoopbackAddress(), 0, null));
    cfg.setSchema(null);
    ldap = new InMemoryDirectoryServer(cfg);
    ldap.add(
        new Entry(
            "o=Test", new Attribute("objectClass", "organization"), new Attribute("o", "Test")));
    TestCa other = new TestCa("Other CA");
    caCert = ca.certify(ca, List.of(), List.of()); // stands in for a self-issued CA certificate
    otherCaCert = other.certify(ca, List.of(), List.of());
    pair =
        new org.bouncycastle.asn1.x509.CertificatePair(
                org.bouncycastle.asn1.x509.Certificate.getInstance(otherCaCert.der()),
                org.bouncycastle.asn1.x509.Certificate.getInstance(
                    ca.certify(other, List.of(), List.of()).der()))
            .getEncoded("DER");
    ldap.add(
        new Entry(
            "cn=Fetch CA,o=Test",
            new Attribute("objectClass", "pkiCA"),
            new Attribute("cn", "Fetch CA"),
            new Attribute("certificateRevocationList;binary", crl),
            new Attribute("cACertificate;binary", new byte[][] {caCert.der(), otherCaCert.der()}),
            new Attribute("crossCertificatePair;binary", pair)));
    ldap.startListening();
  }

  @AfterAll
  static void stop() {
    http.close();
    ldap.shutDown(true);
    ldapThreads.dispose();
  }

  private static Fetcher fetcher(boolean allowPrivate) {
    return new Fetcher(
        new UrlGuard(allowPrivate),
        Duration.ofSeconds(5),
        ldapThreads,
        CircuitBreakerRegistry.ofDefaults(),
        RetryRegistry.ofDefaults());
  }

  @Test
  void fetchesOverHttp() {
    assertThat(fetcher(true).get(http.url("/ca.crl"), 100_000).block(Duration.ofSeconds(10)))
        .isEqualTo(crl);
  }

  @Test
  void fetchesOverLdapOffTheEventLoop() {
    String url =
        "ldap://127.0.0.1:"
            + ldap.getListenPort()
            + "/cn=Fetch%20CA,o=Test?certificateRevocationList;binary";
    assertThat(fetcher(true).get(url, 100_000).block(Duration.ofSeconds(10))).isEqualTo(crl);
  }

  @Test
  void ldapCaIssuersGiveEveryCaCertificateAndCrossPairOfTheEntry() {
    String base = "ldap://127.0.0.1:" + ldap.getListenPort() + "/cn=Fetch%20CA,o=Test";
    // No attributes in the URL: cACertificate and crossCertificatePair (RFC 5280 4.2.2.1), every
    // value.
    assertThat(fetcher(true).getAll(base, 100_000).block(Duration.ofSeconds(10)))
        .containsExactly(caCert.der(), otherCaCert.der(), pair);
    assertThat(
            fetcher(true)
                .getAll(base + "?cACertificate;binary", 100_000)
                .block(Duration.ofSeconds(10)))
        .containsExactly(caCert.der(), otherCaCert.der());
    assertThatThrownBy(() -> fetcher(true).getAll(base, 1_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("larger than 1000 bytes");
    assertThatThrownBy(() -> fetcher(false).getAll(base, 100_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("non-public address");
    // An http caIssuers URL is one body.
    assertThat(fetcher(true).getAll(http.url("/ca.crl"), 100_000).block(Duration.ofSeconds(10)))
        .containsExactly(crl);
    // The cache turns the values into certificates, both halves of each pair included.
    List<byte[]> certs = RemoteCache.parseCertificates(pair).stream().map(Cert::der).toList();
    assertThat(certs).hasSize(2);
  }

  @Test
  void refusesBodiesOverTheCap() {
    assertThatThrownBy(
            () -> fetcher(true).get(http.url("/big.crl"), 100_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("larger than 100000 bytes");
  }

  @Test
  void refusesLoopbackAndPrivateTargetsUnlessAllowed() throws Exception {
    Fetcher strict = fetcher(false);
    assertThatThrownBy(() -> strict.get(http.url("/ca.crl"), 100_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("non-public address");
    String viaName = http.url("/ca.crl").replace("127.0.0.1", "localhost");
    assertThatThrownBy(() -> strict.get(viaName, 100_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("internal host name");
    // A name that is not obviously internal but resolves to this machine: caught after the lookup,
    // before
    // any connection (FetcherSsrfTest covers names with an injected resolver).
    String host = InetAddress.getLocalHost().getHostName();
    String viaHostName = http.url("/ca.crl").replace("127.0.0.1", host);
    assertThatThrownBy(() -> strict.get(viaHostName, 100_000).block(Duration.ofSeconds(10)))
        .isNotNull();
    String ldapUrl =
        "ldap://127.0.0.1:"
            + ldap.getListenPort()
            + "/cn=Fetch%20CA,o=Test?certificateRevocationList;binary";
    assertThatThrownBy(() -> strict.get(ldapUrl, 100_000).block(Duration.ofSeconds(10)))
        .hasMessageContaining("non-public address");
  }

  @Test
  void everyRedirectTargetIsCheckedAgainLikeTheFirstUrl() throws Exception {
    int port = Integer.parseInt(http.url("").replaceAll(".*:", ""));
    http.redirects.put("/moved.crl", "/ca.crl");
    http.redirects.put("/to-localhost.crl", "http://localhost:" + port + "/ca.crl");
    http.redirects.put("/to-ipv6-loopback.crl", "http://[::1]:" + port + "/ca.crl");
    http.redirects.put("/to-metadata.crl", "http://169.254.169.254/latest/meta-data");
    http.redirects.put("/to-private.crl", "http://10.0.0.1/ca.crl");
    http.redirects.put("/to-file.crl", "file:///etc/passwd");
    http.redirects.put("/to-user-info.crl", "http://user@127.0.0.1:" + port + "/ca.crl");
    http.redirects.put("/loop.crl", "/loop.crl");
    // The first hop is allowed only because its exact address is configured; nothing else inward
    // is.
    Fetcher strict =
        new Fetcher(
            new UrlGuard(false, UrlGuard.addresses(List.of("127.0.0.1"))),
            Duration.ofSeconds(5),
            ldapThreads,
            CircuitBreakerRegistry.ofDefaults(),
            RetryRegistry.ofDefaults());
    assertThat(strict.get(http.url("/ca.crl"), 100_000).block(Duration.ofSeconds(10)))
        .isEqualTo(crl);
    assertThat(strict.get(http.url("/moved.crl"), 100_000).block(Duration.ofSeconds(10)))
        .isEqualTo(crl);
    for (String[] c :
        new String[][] {
          {"/to-localhost.crl", "internal host name"},
          {"/to-ipv6-loopback.crl", "non-public address"},
          {"/to-metadata.crl", "non-public address"},
          {"/to-private.crl", "non-public address"},
          {"/to-file.crl", "scheme file not allowed"},
          {"/to-user-info.crl", "user info not allowed"},
          {"/loop.crl", "too many redirects"}
        }) {
      assertThatThrownBy(() -> strict.get(http.url(c[0]), 100_000).block(Duration.ofSeconds(10)))
          .as(c[0])
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void configuredAddressesMustBeIpLiterals() {
    assertThat(UrlGuard.addresses(List.of("10.1.2.3", "[fd00::1]"))).hasSize(2);
    assertThatThrownBy(() -> UrlGuard.addresses(List.of("crl.example.com")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an IP address");
    UrlGuard guard = new UrlGuard(false, UrlGuard.addresses(List.of("10.1.2.3")));
    assertThat(guard.refuse("http://10.1.2.3/x.crl")).isNull();
    assertThat(guard.refuse("http://10.1.2.4/x.crl")).contains("non-public");
  }

  @Test
  void refusesOtherSchemes() {
    UrlGuard guard = new UrlGuard(false);
    assertThat(guard.refuse("file:///etc/passwd")).contains("scheme");
    assertThat(guard.refuse("ftp://example.com/x.crl")).contains("scheme");
    assertThat(guard.refuse("http://user@example.com/x.crl")).contains("user info");
    assertThat(guard.refuse("http://[::1]/x")).contains("non-public");
    assertThat(guard.refuse("http://169.254.169.254/latest/meta-data")).contains("non-public");
    assertThat(guard.refuse("http://10.1.2.3/x.crl")).contains("non-public");
    assertThat(guard.refuse("https://crl.example.com/x.crl")).isNull();
  }
}
