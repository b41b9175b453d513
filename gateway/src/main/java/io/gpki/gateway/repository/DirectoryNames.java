package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Distinguished-name matching by RFC 4518 string preparation for caseIgnoreMatch: Unicode NFKC,
 * case folded, leading and trailing spaces dropped and inner runs of spaces collapsed; attribute
 * types by their short name (OIDs and aliases mapped); multi-valued RDNs in a fixed order. Two DNs
 * match when their {@link #normalize} forms are equal.
 */
public final class DirectoryNames {

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("2.5.4.3", "cn"),
          Map.entry("commonname", "cn"),
          Map.entry("2.5.4.6", "c"),
          Map.entry("countryname", "c"),
          Map.entry("2.5.4.10", "o"),
          Map.entry("organizationname", "o"),
          Map.entry("2.5.4.11", "ou"),
          Map.entry("organizationalunitname", "ou"),
          Map.entry("2.5.4.7", "l"),
          Map.entry("localityname", "l"),
          Map.entry("2.5.4.8", "st"),
          Map.entry("stateorprovincename", "st"),
          Map.entry("2.5.4.5", "serialnumber"),
          Map.entry("0.9.2342.19200300.100.1.25", "dc"),
          Map.entry("domaincomponent", "dc"),
          Map.entry("0.9.2342.19200300.100.1.1", "uid"),
          Map.entry("userid", "uid"),
          Map.entry("1.2.840.113549.1.9.1", "emailaddress"),
          Map.entry("email", "emailaddress"),
          Map.entry("e", "emailaddress"));

  private DirectoryNames() {}

  /**
   * The normalised form of an RFC 4514 DN; throws {@link IllegalArgumentException} when malformed.
   */
  public static String normalize(String dn) {
    try {
      return normalize(new DN(dn));
    } catch (LDAPException e) {
      throw new IllegalArgumentException(malformed(e), e);
    }
  }

  /**
   * The client's detail for a DN that does not parse. The SDK puts the reason in the message; the
   * diagnostic message (a server's text) is null for a local parse error.
   */
  static String malformed(LDAPException e) {
    return "malformed DN: " + reason(e, "not an RFC 4514 distinguished name (e.g. CN=x,O=y,C=JP)");
  }

  /** Why the SDK refused a DN or filter, never null: its message, else {@code fallback}. */
  static String reason(LDAPException e, String fallback) {
    String reason = e.getDiagnosticMessage();
    if (reason == null || reason.isBlank()) {
      reason = e.getMessage();
    }
    return reason == null || reason.isBlank() ? fallback : reason;
  }

  /** The normalised form of a parsed DN. */
  public static String normalize(DN dn) {
    StringBuilder out = new StringBuilder();
    for (RDN rdn : dn.getRDNs()) {
      if (!out.isEmpty()) {
        out.append(',');
      }
      String[] names = rdn.getAttributeNames();
      String[] values = rdn.getAttributeValues();
      List<String> avas = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        avas.add(type(names[i]) + '=' + escape(normalizeValue(values[i])));
      }
      avas.sort(null);
      out.append(String.join("+", avas));
    }
    return out.toString();
  }

  /** RFC 4518 caseIgnore preparation of one attribute value. */
  public static String normalizeValue(String value) {
    String s = Normalizer.normalize(value, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        space = !out.isEmpty();
      } else {
        if (space) {
          out.append(' ');
          space = false;
        }
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String type(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.startsWith("oid.")) {
      n = n.substring(4);
    }
    return TYPES.getOrDefault(n, n);
  }

  private static String escape(String v) {
    StringBuilder out = new StringBuilder(v.length());
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == ',' || c == '+' || c == '=' || c == '\\' || c == '"' || c == '<' || c == '>'
          || c == ';') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
