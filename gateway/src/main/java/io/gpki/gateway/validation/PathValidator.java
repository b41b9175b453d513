package io.gpki.gateway.validation;

import java.math.BigInteger;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.jspecify.annotations.Nullable;

/**
 * RFC 5280 section 6.1 basic path validation of one given path (trust anchor first). All structural
 * checks run first for the whole path; revocation is checked afterwards, from the anchor down, so a
 * path that fails for another reason never costs a CRL fetch or a CRL issuer path.
 */
final class PathValidator {

  /**
   * Extensions this validator processes; any other critical one fails the path (6.1.4 (o), 6.1.5
   * (f)).
   */
  static final Set<ASN1ObjectIdentifier> PROCESSED =
      Set.of(
          Extension.basicConstraints,
          Extension.keyUsage,
          Extension.certificatePolicies,
          Extension.policyMappings,
          Extension.policyConstraints,
          Extension.inhibitAnyPolicy,
          Extension.nameConstraints,
          Extension.subjectAlternativeName,
          Extension.extendedKeyUsage,
          Extension.subjectKeyIdentifier,
          Extension.authorityKeyIdentifier,
          Extension.cRLDistributionPoints,
          Extension.freshestCRL,
          Extension.issuerAlternativeName,
          Extension.authorityInfoAccess,
          Extension.subjectInfoAccess,
          new ASN1ObjectIdentifier("1.3.6.1.5.5.7.48.1.5"));

  private PathValidator() {}

  /** Validates {@code path}; {@code revocation} is consulted only when every other check passed. */
  static Outcome validate(List<Cert> path, ValidationInputs in, RevocationChecker revocation) {
    List<RevocationEvidence> evidence = new ArrayList<>();
    int n = path.size() - 1;
    Cert anchor = path.get(0);
    if (n == 0) {
      return new Outcome.Valid(path, in.initialPolicies(), evidence);
    }
    PublicKey workingKey = anchor.publicKey();
    String workingKeyId = anchor.spkiHash();
    String workingIssuer = anchor.subjectKey();
    PublicKey[] keys = new PublicKey[n + 1];
    int maxPathLength = n;
    PolicyState policy =
        new PolicyState(n, in.explicitPolicy(), in.inhibitPolicyMapping(), in.inhibitAnyPolicy());
    NameConstraintsState names = new NameConstraintsState();
    for (int i = 1; i <= n; i++) {
      Cert c = path.get(i);
      boolean last = i == n;
      if (workingKey == null) {
        return fail(
            Reason.UNSUPPORTED_ALGORITHM,
            "issuer key of certificate " + i + " cannot be used",
            i,
            path);
      }
      keys[i] = workingKey;
      if (!Signatures.verifies(c, workingKey, workingKeyId)) {
        return fail(Reason.BAD_SIGNATURE, "signature of " + c + " does not verify", i, path);
      }
      if (in.time().isBefore(c.notBefore())) {
        return fail(Reason.NOT_YET_VALID, c + " is not valid before " + c.notBefore(), i, path);
      }
      if (in.time().isAfter(c.notAfter())) {
        return fail(Reason.EXPIRED, c + " expired at " + c.notAfter(), i, path);
      }
      if (!c.issuerKey().equals(workingIssuer)) {
        return fail(
            Reason.NAME_CHAINING, "issuer of " + c + " is not the previous subject", i, path);
      }
      if (!(c.selfIssued() && !last)) {
        String e = names.check(c);
        if (e != null) {
          return fail(Reason.NAME_CONSTRAINTS, e, i, path);
        }
      }
      String pe = policy.processCertificate(c, i);
      if (pe != null) {
        return fail(Reason.POLICY, pe, i, path);
      }
      if (!last) {
        pe = policy.prepareNext(c, i);
        if (pe != null) {
          return fail(Reason.POLICY, pe, i, path);
        }
        workingIssuer = c.subjectKey();
        PublicKey own = c.publicKey();
        if (own == null) {
          workingKey = null;
        } else {
          PublicKey inherited = Signatures.inherit(own, workingKey);
          workingKeyId = inherited == own ? c.spkiHash() : Signatures.keyId(inherited);
          workingKey = inherited;
        }
        names.add(c);
        if (!c.isCa()) {
          return fail(Reason.BASIC_CONSTRAINTS, c + " is not a CA certificate", i, path);
        }
        if (!c.selfIssued()) {
          if (maxPathLength <= 0) {
            return fail(
                Reason.BASIC_CONSTRAINTS, "path length constraint exceeded at " + c, i, path);
          }
          maxPathLength--;
        }
        BigInteger pathLen = c.pathLen();
        if (pathLen != null && pathLen.compareTo(BigInteger.valueOf(maxPathLength)) < 0) {
          maxPathLength = pathLen.intValue();
        }
        if (!c.keyUsageAllows(KeyUsage.keyCertSign)) {
          return fail(Reason.KEY_USAGE, c + " may not sign certificates (keyCertSign)", i, path);
        }
      }
      String unknown = unknownCritical(c);
      if (unknown != null) {
        return fail(
            Reason.UNKNOWN_CRITICAL_EXTENSION,
            "unprocessed critical extension " + unknown + " in " + c,
            i,
            path);
      }
    }
    PolicyState.Result policies = policy.wrapUp(path.get(n), in.initialPolicies());
    if (policies.error() != null) {
      return fail(Reason.POLICY, policies.error(), n, path);
    }
    if (in.checkRevocation()) {
      for (int i = 1; i <= n; i++) {
        RevocationStatus s = revocation.check(path.get(i), path.get(i - 1), keys[i], in, evidence);
        if (s instanceof RevocationStatus.IsRevoked r) {
          return new Outcome.Invalid(
              Reason.REVOKED,
              path.get(i) + " is revoked (" + r.revoked().reason() + ")",
              i,
              r.revoked(),
              path,
              List.copyOf(evidence));
        }
        if (s instanceof RevocationStatus.Unknown u) {
          return new Outcome.Indeterminate(
              Reason.REVOCATION_UNAVAILABLE,
              "status of " + path.get(i) + " unknown: " + u.detail(),
              i,
              path,
              List.copyOf(evidence));
        }
      }
    }
    return new Outcome.Valid(path, Set.copyOf(policies.policies()), List.copyOf(evidence));
  }

  private static @Nullable String unknownCritical(Cert c) {
    for (ASN1ObjectIdentifier oid : c.criticalExtensions()) {
      if (!PROCESSED.contains(oid)) {
        return oid.getId();
      }
    }
    return null;
  }

  private static Outcome fail(Reason reason, String detail, int index, List<Cert> path) {
    return new Outcome.Invalid(reason, detail, index, null, path, List.of());
  }
}
