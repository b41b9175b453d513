package io.gpki.gateway.validation;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.jspecify.annotations.Nullable;

/**
 * permitted_subtrees and excluded_subtrees of RFC 5280 6.1 for directory names, rfc822 names (also
 * the emailAddress attribute of subject names, 4.2.1.10), DNS names, URIs and IP addresses. The
 * intersection of permitted subtrees is kept as a list of sets that all must match, which is
 * equivalent to computing it and simpler to get right.
 */
final class NameConstraintsState {

  private final List<List<GeneralName>> permitted = new ArrayList<>();
  private final List<GeneralName> excluded = new ArrayList<>();

  /** 6.1.4 (g): adds a CA certificate's constraints. */
  void add(Cert cert) {
    Extension ext = cert.extension(Extension.nameConstraints);
    if (ext == null) {
      return;
    }
    NameConstraints nc = NameConstraints.getInstance(ext.getParsedValue());
    if (nc.getPermittedSubtrees() != null) {
      List<GeneralName> set = new ArrayList<>();
      for (GeneralSubtree t : nc.getPermittedSubtrees()) {
        set.add(t.getBase());
      }
      permitted.add(set);
    }
    if (nc.getExcludedSubtrees() != null) {
      for (GeneralSubtree t : nc.getExcludedSubtrees()) {
        excluded.add(t.getBase());
      }
    }
  }

  /** 6.1.3 (b), (c): checks a certificate's names; returns an error text or {@code null}. */
  @Nullable String check(Cert cert) {
    if (permitted.isEmpty() && excluded.isEmpty()) {
      return null;
    }
    X500Name subject = cert.subject();
    if (subject.getRDNs().length > 0) {
      String e = checkName(new GeneralName(subject));
      if (e != null) {
        return e;
      }
    }
    Extension san = cert.extension(Extension.subjectAlternativeName);
    if (san == null) {
      for (RDN rdn : subject.getRDNs()) {
        for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
          if (atv.getType().equals(BCStyle.EmailAddress)
              && atv.getValue() instanceof ASN1String s) {
            String e = checkName(new GeneralName(GeneralName.rfc822Name, s.getString()));
            if (e != null) {
              return e;
            }
          }
        }
      }
    } else {
      for (GeneralName name : GeneralNames.getInstance(san.getParsedValue()).getNames()) {
        String e = checkName(name);
        if (e != null) {
          return e;
        }
      }
    }
    return null;
  }

  private @Nullable String checkName(GeneralName name) {
    for (List<GeneralName> set : permitted) {
      boolean typeConstrained = false;
      boolean ok = false;
      for (GeneralName base : set) {
        if (base.getTagNo() == name.getTagNo()) {
          typeConstrained = true;
          if (within(name, base)) {
            ok = true;
            break;
          }
        }
      }
      if (typeConstrained && !ok) {
        return "name " + name + " is not within the permitted subtrees";
      }
    }
    for (GeneralName base : excluded) {
      if (base.getTagNo() == name.getTagNo() && within(name, base)) {
        return "name " + name + " is within an excluded subtree";
      }
    }
    return null;
  }

  /** Whether {@code name} lies in the subtree rooted at {@code base} (same form). */
  static boolean within(GeneralName name, GeneralName base) {
    return switch (name.getTagNo()) {
      case GeneralName.directoryName ->
          dnWithin(X500Name.getInstance(name.getName()), X500Name.getInstance(base.getName()));
      case GeneralName.rfc822Name -> emailWithin(ia5(name), ia5(base));
      case GeneralName.dNSName -> dnsWithin(ia5(name), ia5(base));
      case GeneralName.uniformResourceIdentifier -> uriWithin(ia5(name), ia5(base));
      case GeneralName.iPAddress ->
          ipWithin(
              ASN1OctetString.getInstance(name.getName()).getOctets(),
              ASN1OctetString.getInstance(base.getName()).getOctets());
      default -> false;
    };
  }

  private static String ia5(GeneralName n) {
    return n.getName() instanceof ASN1IA5String s ? s.getString() : n.getName().toString();
  }

  static boolean dnWithin(X500Name name, X500Name base) {
    RDN[] n = name.getRDNs();
    RDN[] b = base.getRDNs();
    if (b.length > n.length) {
      return false;
    }
    for (int i = 0; i < b.length; i++) {
      if (!canonicalRdn(n[i]).equals(canonicalRdn(b[i]))) {
        return false;
      }
    }
    return true;
  }

  private static String canonicalRdn(RDN rdn) {
    return Cert.canonical(new X500Name(new RDN[] {rdn}));
  }

  static boolean emailWithin(String email, String constraint) {
    String c = constraint.toLowerCase(Locale.ROOT);
    int at = email.lastIndexOf('@');
    String host = (at < 0 ? email : email.substring(at + 1)).toLowerCase(Locale.ROOT);
    if (c.contains("@")) {
      return email.equalsIgnoreCase(constraint);
    }
    if (c.startsWith(".")) {
      return host.endsWith(c);
    }
    return host.equals(c);
  }

  static boolean dnsWithin(String dns, String constraint) {
    String d = dns.toLowerCase(Locale.ROOT);
    String c = constraint.toLowerCase(Locale.ROOT);
    if (c.isEmpty()) {
      return true;
    }
    if (c.startsWith(".")) {
      return d.endsWith(c);
    }
    return d.equals(c) || d.endsWith("." + c);
  }

  static boolean uriWithin(String uri, String constraint) {
    String host;
    try {
      host = URI.create(uri).getHost();
    } catch (IllegalArgumentException e) {
      host = null;
    }
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    String c = constraint.toLowerCase(Locale.ROOT);
    return c.startsWith(".") ? h.endsWith(c) : h.equals(c);
  }

  static boolean ipWithin(byte[] ip, byte[] constraint) {
    if (constraint.length != ip.length * 2) {
      return false;
    }
    for (int i = 0; i < ip.length; i++) {
      int mask = constraint[ip.length + i];
      if ((ip[i] & mask) != (constraint[i] & mask)) {
        return false;
      }
    }
    return true;
  }
}
