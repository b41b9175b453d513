package io.gpki.gateway.registration;

import io.gpki.gateway.ca.Certificates;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.jspecify.annotations.Nullable;

/** An LRA's namespace: subject names under its base name, SAN domains under its suffixes. */
final class Namespaces {

  private Namespaces() {}

  /** Whether {@code subject} lies strictly under {@code baseDnRfc4514}. */
  static boolean subjectUnder(X500Name subject, String baseDnRfc4514) {
    String s = new X500Principal(Certificates.der(subject)).getName(X500Principal.CANONICAL);
    String base = new X500Principal(baseDnRfc4514).getName(X500Principal.CANONICAL);
    return s.endsWith("," + base);
  }

  /** Whether an RFC 4514 name lies strictly under the base. */
  static boolean subjectUnder(String subjectRfc4514, String baseDnRfc4514) {
    String s = new X500Principal(subjectRfc4514).getName(X500Principal.CANONICAL);
    String base = new X500Principal(baseDnRfc4514).getName(X500Principal.CANONICAL);
    return s.endsWith("," + base);
  }

  /** The first SAN outside the allowed domains, or {@code null} when all are inside. */
  static @Nullable String firstOutside(List<GeneralName> sans, List<String> suffixes) {
    for (GeneralName san : sans) {
      String v = san.getName().toString().toLowerCase(Locale.ROOT);
      String domain =
          san.getTagNo() == GeneralName.rfc822Name ? v.substring(v.indexOf('@') + 1) : v;
      boolean ok = false;
      for (String suffix : suffixes) {
        String x = suffix.toLowerCase(Locale.ROOT);
        if (domain.equals(x) || domain.endsWith("." + x)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        return v;
      }
    }
    return null;
  }
}
