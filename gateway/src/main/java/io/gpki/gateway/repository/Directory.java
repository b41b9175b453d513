package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.ReadOnlyEntry;
import io.gpki.sync.Referral;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The repository as a directory tree (X.500 / LDAP view), rebuilt with every snapshot: one entry
 * per CA (cACertificate, crossCertificatePair, certificateRevocationList, authorityRevocationList),
 * one per end-entity subject (userCertificate) and a container entry for every ancestor name. Both
 * the LDAP-over-HTTP handler and the LDAPv3 listener read it; it is immutable.
 *
 * @param nodes every entry by normalised DN
 * @param namingContexts the normalised DNs of the tree's roots
 * @param referrals registered referral subtrees by normalised base DN
 */
public record Directory(
    Map<String, Node> nodes, List<String> namingContexts, Map<String, Referral> referrals) {

  /**
   * One entry.
   *
   * @param dn the entry's DN
   * @param entry the LDAP entry with every attribute (binary ones with the {@code ;binary} option)
   * @param binary the pre-encoded objects behind each binary attribute, by lower-case attribute
   *     name without options
   * @param children normalised DNs of the immediate subordinates
   */
  public record Node(
      DN dn, ReadOnlyEntry entry, Map<String, List<Published>> binary, List<String> children) {}

  /** An empty tree. */
  public static Directory empty() {
    return new Directory(Map.of(), List.of(), Map.of());
  }

  /** The entry at a normalised DN, or {@code null}. */
  public @Nullable Node node(String normalizedDn) {
    return nodes.get(normalizedDn);
  }

  /** The referral whose subtree holds the DN (the DN itself or an ancestor), or {@code null}. */
  public @Nullable Referral referralFor(DN dn) {
    if (referrals.isEmpty()) {
      return null;
    }
    for (DN d = dn; d != null && !d.isNullDN(); d = d.getParent()) {
      Referral r = referrals.get(DirectoryNames.normalize(d));
      if (r != null) {
        return r;
      }
    }
    return null;
  }

  /** The nearest existing entry at or above the DN, or {@code null}. */
  public @Nullable Node nearest(DN dn) {
    for (DN d = dn; d != null && !d.isNullDN(); d = d.getParent()) {
      Node n = nodes.get(DirectoryNames.normalize(d));
      if (n != null) {
        return n;
      }
    }
    return null;
  }
}
