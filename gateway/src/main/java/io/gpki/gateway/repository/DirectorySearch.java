package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SearchScope;
import io.gpki.sync.Referral;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One search over a {@link Directory} with base, one-level or subtree scope and an equality,
 * presence, substring, and/or/not filter, bounded by a size limit. Shared by LDAP over HTTP and the
 * LDAPv3 listener so both answer alike.
 */
final class DirectorySearch {

  private static final int MAX_FILTER_DEPTH = 10;

  private DirectorySearch() {}

  /** What a search found. */
  sealed interface Outcome {}

  /** The base lies in a registered referral subtree. */
  record Referred(Referral referral, DN base) implements Outcome {}

  /** The base does not exist; {@code matched} is its nearest existing ancestor, if any. */
  record NoSuchObject(@Nullable DN matched) implements Outcome {}

  /**
   * Matching entries in tree order.
   *
   * @param nodes the entries, at most the size limit
   * @param continuations referral subtrees met below the base (subtree/one-level)
   * @param sizeLimitExceeded whether more entries matched than the limit
   */
  record Found(List<Directory.Node> nodes, List<Referral> continuations, boolean sizeLimitExceeded)
      implements Outcome {}

  static Outcome search(Directory dir, DN base, SearchScope scope, Filter filter, int sizeLimit) {
    Referral referral = dir.referralFor(base);
    if (referral != null) {
      return new Referred(referral, base);
    }
    Directory.Node start = dir.node(DirectoryNames.normalize(base));
    if (start == null) {
      Directory.Node near = dir.nearest(base);
      return new NoSuchObject(near == null ? null : near.dn());
    }
    List<Directory.Node> out = new ArrayList<>();
    List<Referral> continuations =
        SearchScope.BASE.equals(scope) ? List.of() : continuations(dir, base, scope);
    Deque<Directory.Node> todo = new ArrayDeque<>();
    if (SearchScope.BASE.equals(scope)) {
      todo.add(start);
    } else {
      children(dir, start, todo);
    }
    while (!todo.isEmpty()) {
      Directory.Node n = todo.pollFirst();
      if (matches(filter, n)) {
        if (out.size() >= sizeLimit) {
          return new Found(out, continuations, true);
        }
        out.add(n);
      }
      if (SearchScope.SUB.equals(scope) || SearchScope.SUBORDINATE_SUBTREE.equals(scope)) {
        List<Directory.Node> below = new ArrayList<>();
        children(dir, n, below);
        for (int i = below.size() - 1; i >= 0; i--) {
          todo.addFirst(below.get(i));
        }
      }
    }
    if (SearchScope.SUB.equals(scope)) {
      // the base itself belongs to a subtree search
      if (matches(filter, start)) {
        if (out.size() >= sizeLimit) {
          return new Found(out, continuations, true);
        }
        out.add(0, start);
      }
    }
    return new Found(out, continuations, false);
  }

  /** Children of a node; entries inside a referral subtree are answered by the referral instead. */
  private static void children(
      Directory dir, Directory.Node n, java.util.Collection<Directory.Node> into) {
    for (String child : n.children()) {
      Directory.Node c = dir.node(child);
      if (c != null && !dir.referrals().containsKey(child)) {
        into.add(c);
      }
    }
  }

  /** Referral subtrees inside the search scope (continuation references, RFC 4511 4.5.3). */
  private static List<Referral> continuations(Directory dir, DN base, SearchScope scope) {
    String baseKey = DirectoryNames.normalize(base);
    List<Referral> out = new ArrayList<>();
    for (Referral r : dir.referrals().values()) {
      String k = r.baseDnKey();
      boolean below = baseKey.isEmpty() || k.endsWith("," + baseKey);
      if (!below) {
        continue;
      }
      String rest = baseKey.isEmpty() ? k : k.substring(0, k.length() - baseKey.length() - 1);
      if (SearchScope.ONE.equals(scope) && containsUnescapedComma(rest)) {
        continue;
      }
      out.add(r);
    }
    out.sort(java.util.Comparator.comparing(Referral::id));
    return out;
  }

  private static boolean containsUnescapedComma(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\\') {
        i++;
      } else if (s.charAt(i) == ',') {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(Filter filter, Directory.Node n) {
    try {
      return filter.matchesEntry(n.entry());
    } catch (LDAPException e) {
      return false; // an undefined filter component does not match (RFC 4511 4.5.1.7)
    }
  }

  /**
   * Checks that a filter only uses the supported components and is not nested too deeply.
   *
   * @throws IllegalArgumentException with a message for the client otherwise
   */
  static void checkFilter(Filter f) {
    checkFilter(f, 0);
  }

  private static void checkFilter(Filter f, int depth) {
    if (depth > MAX_FILTER_DEPTH) {
      throw new IllegalArgumentException("filter nested deeper than " + MAX_FILTER_DEPTH);
    }
    switch (f.getFilterType()) {
      case Filter.FILTER_TYPE_AND, Filter.FILTER_TYPE_OR -> {
        for (Filter c : f.getComponents()) {
          checkFilter(c, depth + 1);
        }
      }
      case Filter.FILTER_TYPE_NOT -> checkFilter(f.getNOTComponent(), depth + 1);
      case Filter.FILTER_TYPE_EQUALITY,
          Filter.FILTER_TYPE_PRESENCE,
          Filter.FILTER_TYPE_SUBSTRING -> {}
      default ->
          throw new IllegalArgumentException(
              "unsupported filter component "
                  + f
                  + "; use equality, presence, substring, and, or, not");
    }
  }
}
