package io.gpki.gateway.repository;

import io.gpki.gateway.ca.RepositoryUrls;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The paths of the lookup interfaces and their absolute base URLs for the discovery index. The LDAP
 * listener's URL names the port it actually listens on.
 */
public final class RepositoryInterfaces {

  /** RFC 4387 certificate store. */
  public static final String CERT_STORE = "/certificates/search.cgi";

  /** RFC 4387 CRL store. */
  public static final String CRL_STORE = "/crls/search.cgi";

  /** LDAP URLs over HTTP: {@code /ldap/{dn}?{attributes}?{scope}?{filter}}. */
  public static final String LDAP_HTTP = "/ldap";

  /** Operator API for referrals. */
  public static final String REFERRALS_API = "/api/v1/operations/referrals";

  /** Access statistics report. */
  public static final String ACCESS_REPORT = "/api/v1/operations/repository/access-report";

  private final RepositoryUrls urls;
  private final String ldapHost;
  private final IntSupplier ldapPort;
  private final Supplier<Map<String, Object>> demoRegistration;

  public RepositoryInterfaces(RepositoryUrls urls, String ldapHost, IntSupplier ldapPort) {
    this(urls, ldapHost, ldapPort, Map::of);
  }

  /**
   * @param demoRegistration the {@code demo.lra} section of the index (where the demo LRA's
   *     operator credentials are); empty when there is no demo LRA
   */
  public RepositoryInterfaces(
      RepositoryUrls urls,
      String ldapHost,
      IntSupplier ldapPort,
      Supplier<Map<String, Object>> demoRegistration) {
    this.urls = urls;
    this.ldapHost = ldapHost;
    this.ldapPort = ldapPort;
    this.demoRegistration = demoRegistration;
  }

  /** The {@code demo.lra} section of the index, or empty. */
  Map<String, Object> demoRegistration() {
    return demoRegistration.get();
  }

  /** The LDAP listener's URL, or {@code null} when it is off (port below 0). */
  public String ldapUrl() {
    int port = ldapPort.getAsInt();
    return port < 0 ? "" : "ldap://" + ldapHost + ":" + port;
  }

  /** The {@code interfaces} section of the repository index. */
  Map<String, Object> index() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("files", urls.absolute(RepositoryUrls.PREFIX));
    m.put("rfc4387CertificateStore", urls.absolute(CERT_STORE));
    m.put("rfc4387CrlStore", urls.absolute(CRL_STORE));
    m.put("ldapOverHttp", urls.absolute(LDAP_HTTP) + "/");
    String ldap = ldapUrl();
    if (!ldap.isEmpty()) {
      m.put("ldap", ldap);
    }
    m.put("accessReport", urls.absolute(ACCESS_REPORT));
    return m;
  }
}
