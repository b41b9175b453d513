package io.gpki.gateway.validation;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyMappings;
import org.jspecify.annotations.Nullable;

/**
 * The policy part of RFC 5280 6.1: the valid_policy_tree and the explicit_policy, policy_mapping
 * and inhibit_anyPolicy counters, with the steps 6.1.3 (d)-(f), 6.1.4 (a), (b), (h)-(j) and 6.1.5
 * (a), (b), (g). Policy qualifiers are not kept: the verdict reports policy OIDs only.
 */
final class PolicyState {

  static final String ANY = "2.5.29.32.0";

  /** A node of the valid_policy_tree. */
  private static final class Node {
    final String policy;
    Set<String> expected;
    final @Nullable Node parent;
    final List<Node> children = new ArrayList<>();
    final int depth;

    Node(String policy, Set<String> expected, @Nullable Node parent) {
      this.policy = policy;
      this.expected = expected;
      this.parent = parent;
      this.depth = parent == null ? 0 : parent.depth + 1;
      if (parent != null) {
        parent.children.add(this);
      }
    }
  }

  private @Nullable Node root;
  private int explicitPolicy;
  private int policyMapping;
  private int inhibitAnyPolicy;
  private final int n;

  PolicyState(
      int n, boolean initialExplicit, boolean initialMappingInhibit, boolean initialAnyInhibit) {
    this.n = n;
    this.root = new Node(ANY, Set.of(ANY), null);
    this.explicitPolicy = initialExplicit ? 0 : n + 1;
    this.policyMapping = initialMappingInhibit ? 0 : n + 1;
    this.inhibitAnyPolicy = initialAnyInhibit ? 0 : n + 1;
  }

  /** 6.1.3 (d)-(f) for certificate {@code i} (1-based). Returns an error text or {@code null}. */
  @Nullable String processCertificate(Cert cert, int i) {
    Extension ext = cert.extension(Extension.certificatePolicies);
    if (ext != null && root != null) {
      List<Node> parents = level(i - 1);
      boolean hasAny = false;
      Map<String, Boolean> seen = new HashMap<>();
      for (PolicyInformation pi :
          CertificatePolicies.getInstance(ext.getParsedValue()).getPolicyInformation()) {
        String p = pi.getPolicyIdentifier().getId();
        if (seen.put(p, Boolean.TRUE) != null) {
          continue;
        }
        if (ANY.equals(p)) {
          hasAny = true;
          continue;
        }
        boolean matched = false;
        for (Node parent : parents) {
          if (parent.expected.contains(p)) {
            new Node(p, Set.of(p), parent);
            matched = true;
          }
        }
        if (!matched) {
          for (Node parent : parents) {
            if (ANY.equals(parent.policy)) {
              new Node(p, Set.of(p), parent);
            }
          }
        }
      }
      if (hasAny && (inhibitAnyPolicy > 0 || (i < n && cert.selfIssued()))) {
        for (Node parent : parents) {
          Set<String> existing = new LinkedHashSet<>();
          parent.children.forEach(c -> existing.add(c.policy));
          for (String e : parent.expected) {
            if (!existing.contains(e)) {
              new Node(e, Set.of(e), parent);
            }
          }
        }
      }
      prune(i);
    } else if (ext == null) {
      root = null;
    }
    if (explicitPolicy <= 0 && root == null) {
      return "no valid policy for certificate " + i + " while an explicit policy is required";
    }
    return null;
  }

  /** 6.1.4 (a), (b), (h), (i), (j) for certificate {@code i} (not the last). */
  @Nullable String prepareNext(Cert cert, int i) {
    Extension ext = cert.extension(Extension.policyMappings);
    if (ext != null) {
      Map<String, Set<String>> mappings = new java.util.LinkedHashMap<>();
      ASN1Sequence seq = ASN1Sequence.getInstance(ext.getParsedValue());
      for (int k = 0; k < seq.size(); k++) {
        ASN1Sequence m = ASN1Sequence.getInstance(seq.getObjectAt(k));
        String issuerDomain =
            org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(m.getObjectAt(0)).getId();
        String subjectDomain =
            org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(m.getObjectAt(1)).getId();
        if (ANY.equals(issuerDomain) || ANY.equals(subjectDomain)) {
          return "policy mapping to or from anyPolicy";
        }
        mappings.computeIfAbsent(issuerDomain, x -> new LinkedHashSet<>()).add(subjectDomain);
      }
      PolicyMappings.getInstance(ext.getParsedValue());
      applyMappings(mappings, i);
    }
    if (!cert.selfIssued()) {
      explicitPolicy = Math.max(0, explicitPolicy - 1);
      policyMapping = Math.max(0, policyMapping - 1);
      inhibitAnyPolicy = Math.max(0, inhibitAnyPolicy - 1);
    }
    Extension pc = cert.extension(Extension.policyConstraints);
    if (pc != null) {
      ASN1Sequence seq = ASN1Sequence.getInstance(pc.getParsedValue());
      for (int k = 0; k < seq.size(); k++) {
        ASN1TaggedObject t = ASN1TaggedObject.getInstance(seq.getObjectAt(k));
        int v = skipCerts(ASN1Integer.getInstance(t, false).getValue());
        if (t.getTagNo() == 0) {
          explicitPolicy = Math.min(explicitPolicy, v);
        } else if (t.getTagNo() == 1) {
          policyMapping = Math.min(policyMapping, v);
        }
      }
    }
    Extension iap = cert.extension(Extension.inhibitAnyPolicy);
    if (iap != null) {
      inhibitAnyPolicy =
          Math.min(
              inhibitAnyPolicy,
              skipCerts(ASN1Integer.getInstance(iap.getParsedValue()).getValue()));
    }
    return null;
  }

  private void applyMappings(Map<String, Set<String>> mappings, int i) {
    if (root == null) {
      return;
    }
    for (Map.Entry<String, Set<String>> m : mappings.entrySet()) {
      List<Node> nodes = level(i);
      if (policyMapping > 0) {
        boolean found = false;
        for (Node node : nodes) {
          if (node.policy.equals(m.getKey())) {
            node.expected = Set.copyOf(m.getValue());
            found = true;
          }
        }
        if (!found) {
          for (Node node : nodes) {
            if (ANY.equals(node.policy) && node.parent != null) {
              new Node(m.getKey(), Set.copyOf(m.getValue()), node.parent);
              break;
            }
          }
        }
      } else {
        for (Node node : nodes) {
          if (node.policy.equals(m.getKey()) && node.parent != null) {
            node.parent.children.remove(node);
          }
        }
        prune(i);
      }
    }
  }

  /** 6.1.5 (a), (b), (g) for the last certificate. Returns the user-constrained set or an error. */
  Result wrapUp(Cert last, Set<String> initialPolicies) {
    explicitPolicy = Math.max(0, explicitPolicy - 1);
    Extension pc = last.extension(Extension.policyConstraints);
    if (pc != null) {
      ASN1Sequence seq = ASN1Sequence.getInstance(pc.getParsedValue());
      for (int k = 0; k < seq.size(); k++) {
        ASN1TaggedObject t = ASN1TaggedObject.getInstance(seq.getObjectAt(k));
        if (t.getTagNo() == 0 && ASN1Integer.getInstance(t, false).getValue().signum() == 0) {
          explicitPolicy = 0;
        }
      }
    }
    Set<String> result = new LinkedHashSet<>();
    if (root != null) {
      if (initialPolicies.contains(ANY)) {
        level(n).forEach(x -> result.add(userDomain(x)));
      } else {
        intersect(initialPolicies);
        if (root != null) {
          level(n).forEach(x -> result.add(userDomain(x)));
        }
      }
    }
    if (explicitPolicy <= 0 && result.isEmpty()) {
      return new Result(
          Set.of(), "the valid policy tree is empty while an explicit policy is required");
    }
    return new Result(result, null);
  }

  /** The user-constrained policy set, or an error. */
  record Result(Set<String> policies, @Nullable String error) {}

  private void intersect(Set<String> initial) {
    List<Node> boundary = new ArrayList<>();
    collectBoundary(root, boundary);
    Set<String> boundaryPolicies = new LinkedHashSet<>();
    for (Node node : boundary) {
      boundaryPolicies.add(node.policy);
      if (!ANY.equals(node.policy) && !initial.contains(node.policy) && node.parent != null) {
        node.parent.children.remove(node);
      }
    }
    for (Node leaf : level(n)) {
      if (ANY.equals(leaf.policy) && leaf.parent != null) {
        Node parent = leaf.parent;
        for (String p : initial) {
          if (!boundaryPolicies.contains(p)) {
            new Node(p, Set.of(p), parent);
          }
        }
        parent.children.remove(leaf);
      }
    }
    if (n == 0) {
      return;
    }
    prune(n);
  }

  /**
   * The policy of a leaf in the trust anchor's (the user's) domain: the valid_policy of its highest
   * non-anyPolicy ancestor, the node a mapping chain started from; anyPolicy when there is none.
   */
  private static String userDomain(Node leaf) {
    String policy = ANY;
    for (Node x = leaf; x != null; x = x.parent) {
      if (!ANY.equals(x.policy)) {
        policy = x.policy;
      }
    }
    return policy;
  }

  private static void collectBoundary(@Nullable Node node, List<Node> out) {
    if (node == null) {
      return;
    }
    for (Node child : node.children) {
      if (ANY.equals(node.policy)) {
        out.add(child);
      }
      if (ANY.equals(child.policy)) {
        collectBoundary(child, out);
      }
    }
  }

  private List<Node> level(int depth) {
    List<Node> out = new ArrayList<>();
    collect(root, depth, out);
    return out;
  }

  private static void collect(@Nullable Node node, int depth, List<Node> out) {
    if (node == null) {
      return;
    }
    if (node.depth == depth) {
      out.add(node);
      return;
    }
    for (Node c : node.children) {
      collect(c, depth, out);
    }
  }

  /** Removes nodes above {@code depth} that have no children, bottom-up; may empty the tree. */
  private void prune(int depth) {
    for (int d = depth - 1; d >= 0; d--) {
      for (Node node : level(d)) {
        if (node.children.isEmpty()) {
          if (node.parent == null) {
            root = null;
            return;
          }
          node.parent.children.remove(node);
        }
      }
    }
  }

  private static int skipCerts(BigInteger v) {
    return v.bitLength() > 30 ? Integer.MAX_VALUE : v.intValue();
  }
}
