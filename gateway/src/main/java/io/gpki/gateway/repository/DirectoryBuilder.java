package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ReadOnlyEntry;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.Referral;
import io.gpki.sync.RepositoryContent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Builds the {@link Directory} tree of a snapshot. */
final class DirectoryBuilder {

  static final String CA_CERTIFICATE = "cACertificate";
  static final String CROSS_PAIR = "crossCertificatePair";
  static final String CRL = "certificateRevocationList";
  static final String ARL = "authorityRevocationList";
  static final String USER_CERTIFICATE = "userCertificate";

  /** Mutable entry under construction. */
  private static final class Draft {
    final DN dn;
    final List<String> objectClasses = new ArrayList<>(List.of("top"));
    final Map<String, List<Published>> binary = new LinkedHashMap<>();
    final List<String> children = new ArrayList<>();

    Draft(DN dn) {
      this.dn = dn;
      objectClasses.add(structuralClass(dn.getRDN()));
    }

    void add(String attribute, Published value) {
      binary.computeIfAbsent(attribute, a -> new ArrayList<>()).add(value);
    }
  }

  Directory build(RepositoryContent c, List<Referral> referrals) {
    Map<String, Draft> drafts = new TreeMap<>();
    for (CaRecord ca : c.cas()) {
      Draft d = draft(drafts, ca.subjectDn());
      d.objectClasses.add("pkiCA");
      c.caCertificates().stream()
          .filter(x -> ca.id().equals(x.subjectCaId()) && selfIssued(x.kind()))
          .forEach(x -> d.add(CA_CERTIFICATE, SnapshotBuilder.certificate(x)));
      for (CrossPairRecord p : c.crossPairs()) {
        if (p.ownerCaId().equals(ca.id())) {
          d.add(
              CROSS_PAIR,
              new Published(
                  p.der(),
                  SnapshotBuilder.CROSS_PAIR,
                  SnapshotBuilder.etag(p.der()),
                  p.updatedAt(),
                  null));
        }
      }
      for (CrlRecord l : c.latestCrls()) {
        if (l.caId().equals(ca.id())) {
          d.add(l.scope().equals("ARL") ? ARL : CRL, LookupIndexBuilder.crl(l));
        }
      }
      if (d.binary.containsKey(CA_CERTIFICATE)
          && d.binary.containsKey(CRL)
          && d.binary.containsKey(ARL)) {
        d.objectClasses.add("certificationAuthority");
      }
    }
    for (CertificateRecord x : c.labeledCertificates()) {
      Draft d = draft(drafts, x.subjectDn());
      if (!d.objectClasses.contains("pkiUser")) {
        d.objectClasses.add("pkiUser");
      }
      d.add(USER_CERTIFICATE, SnapshotBuilder.certificate(x));
    }
    Map<String, Referral> refs = new HashMap<>();
    for (Referral r : referrals) {
      refs.put(r.baseDnKey(), r);
    }
    List<String> roots = new ArrayList<>();
    for (Map.Entry<String, Draft> e : drafts.entrySet()) {
      DN parent = e.getValue().dn.getParent();
      if (parent == null || parent.isNullDN()) {
        roots.add(e.getKey());
      } else {
        Draft p = drafts.get(DirectoryNames.normalize(parent));
        if (p != null) {
          p.children.add(e.getKey());
        }
      }
    }
    Map<String, Directory.Node> nodes = new HashMap<>();
    drafts.forEach((k, d) -> nodes.put(k, node(d)));
    return new Directory(Map.copyOf(nodes), List.copyOf(roots), Map.copyOf(refs));
  }

  /** The draft for a DN, creating it and every missing ancestor (as a container entry). */
  private static Draft draft(Map<String, Draft> drafts, String dnString) {
    DN dn;
    try {
      dn = new DN(dnString);
    } catch (LDAPException e) {
      throw new IllegalStateException("stored DN does not parse: " + dnString, e);
    }
    Draft d = drafts.computeIfAbsent(DirectoryNames.normalize(dn), k -> new Draft(dn));
    for (DN p = dn.getParent(); p != null && !p.isNullDN(); p = p.getParent()) {
      DN parent = p;
      drafts.computeIfAbsent(DirectoryNames.normalize(p), k -> new Draft(parent));
    }
    return d;
  }

  private static Directory.Node node(Draft d) {
    Entry e = new Entry(d.dn);
    e.addAttribute("objectClass", d.objectClasses.toArray(String[]::new));
    RDN rdn = d.dn.getRDN();
    for (int i = 0; i < rdn.getAttributeNames().length; i++) {
      e.addAttribute(rdn.getAttributeNames()[i], rdn.getAttributeValues()[i]);
    }
    Map<String, List<Published>> binary = new LinkedHashMap<>();
    d.binary.forEach(
        (name, values) -> {
          e.addAttribute(
              new Attribute(
                  name + ";binary", values.stream().map(Published::body).toArray(byte[][]::new)));
          binary.put(name.toLowerCase(Locale.ROOT), List.copyOf(values));
        });
    return new Directory.Node(
        d.dn, new ReadOnlyEntry(e), Map.copyOf(binary), List.copyOf(d.children));
  }

  private static boolean selfIssued(CertificateKind k) {
    return k == CertificateKind.SELF_SIGNED
        || k == CertificateKind.LINK_NEW_WITH_OLD
        || k == CertificateKind.LINK_OLD_WITH_NEW;
  }

  private static String structuralClass(RDN rdn) {
    return switch (rdn.getAttributeNames()[0].toLowerCase(Locale.ROOT)) {
      case "c" -> "country";
      case "o" -> "organization";
      case "ou" -> "organizationalUnit";
      case "l" -> "locality";
      case "dc" -> "domain";
      case "cn" -> "applicationProcess";
      default -> "extensibleObject";
    };
  }
}
