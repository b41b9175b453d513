package io.gpki.gateway.ca;

import io.gpki.signer.CrlScope;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The URL scheme of the repository. Certificates name these URLs (CDP, AIA) and the read path
 * serves exactly these paths, so both sides come from this one class.
 */
public final class RepositoryUrls {

  /** Path prefix of everything the repository serves over HTTP. */
  public static final String PREFIX = "/repository";

  private final String base;
  private final String ldapBase;

  /**
   * @param publicBaseUrl e.g. {@code http://localhost:8080}
   * @param ldapBaseUrl e.g. {@code ldap://localhost:1389}
   */
  public RepositoryUrls(String publicBaseUrl, String ldapBaseUrl) {
    this.base = stripSlash(publicBaseUrl);
    this.ldapBase = stripSlash(ldapBaseUrl);
  }

  /** The public base URL. */
  public String base() {
    return base;
  }

  /** Path of the repository index. */
  public static String indexPath() {
    return PREFIX;
  }

  /** Path of a CA's current certificate. */
  public static String caCertificatePath(String caId) {
    return PREFIX + "/ca/" + caId + ".cer";
  }

  /**
   * Path of every certificate issued to a CA (self-signed, cross, link) as a certs-only CMS bundle.
   */
  public static String caIssuersPath(String caId) {
    return PREFIX + "/ca/" + caId + ".p7c";
  }

  /** Path of the current CRL or ARL. */
  public static String listPath(String caId, CrlScope scope) {
    return PREFIX + "/" + scopeSegment(scope) + "/" + caId + ".crl";
  }

  /** Path of an archived CRL or ARL by number. */
  public static String archivedListPath(String caId, CrlScope scope, BigInteger number) {
    return PREFIX + "/" + scopeSegment(scope) + "/" + caId + "/" + number + ".crl";
  }

  /** Path of a certificate by issuer and serial. */
  public static String certificatePath(String issuerCaId, String serialHex) {
    return PREFIX + "/certs/" + issuerCaId + "/" + serialHex + ".cer";
  }

  /** Path of a cross-certificate pair. */
  public static String crossPairPath(String pairId) {
    return PREFIX + "/cross/" + pairId + ".der";
  }

  /** The URL segment of a scope: {@code crl} or {@code arl}. */
  public static String scopeSegment(CrlScope scope) {
    return scope == CrlScope.ARL ? "arl" : "crl";
  }

  /** An absolute URL for a path. */
  public String absolute(String path) {
    return base + path;
  }

  /**
   * The CRL distribution point URIs for certificates covered by a CA's list: the HTTP file URL and
   * the LDAP URL of the CA's directory entry.
   */
  public List<String> distributionPoints(String caId, String caDnRfc4514, CrlScope scope) {
    String attribute =
        scope == CrlScope.ARL
            ? "authorityRevocationList;binary"
            : "certificateRevocationList;binary";
    return List.of(absolute(listPath(caId, scope)), ldapUrl(caDnRfc4514, attribute));
  }

  /** The AIA caIssuers URI for certificates issued by a CA. */
  public List<String> caIssuers(String issuerCaId) {
    return List.of(absolute(caIssuersPath(issuerCaId)));
  }

  /** The OCSP responder URI. */
  public List<String> ocsp() {
    return List.of(base + "/ocsp");
  }

  /** An RFC 4516 LDAP URL: {@code ldap://host:port/<dn>?<attribute>}. */
  public String ldapUrl(String dnRfc4514, String attribute) {
    return ldapBase + "/" + percentEncode(dnRfc4514) + "?" + attribute;
  }

  /** Percent-encodes everything but RFC 3986 unreserved characters and {@code = ,}. */
  public static String percentEncode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == '='
          || c == ',') {
        out.append((char) c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
