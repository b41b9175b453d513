package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.jspecify.annotations.Nullable;

/**
 * RFC 5280 6.3 CRL processing over the CRLs of a {@link CrlSet}: distribution point and IDP scope,
 * indirect CRLs, reason partitions, delta CRLs, CRL signer validation. Status that cannot be
 * established is {@link RevocationStatus.Unknown}, never good.
 */
final class CrlChecker implements RevocationChecker {

  private static final int REMOVE_FROM_CRL = 8;

  private final CrlSet crls;
  private final CrlSignerResolver signers;
  private final Map<String, PublicKey> inProgress;

  CrlChecker(CrlSet crls, CrlSignerResolver signers, Map<String, PublicKey> inProgress) {
    this.crls = crls;
    this.signers = signers;
    this.inProgress = inProgress;
  }

  @Override
  public RevocationStatus check(
      Cert cert,
      Cert issuer,
      PublicKey issuerKey,
      ValidationInputs in,
      List<RevocationEvidence> evidence) {
    List<DistributionPoint> dps = cert.distributionPoints();
    int mask = 0;
    String why = "no CRL in scope";
    for (DistributionPoint dp : dps) {
      for (CrlInfo crl : candidates(dp, cert)) {
        if (mask == CrlScope.ALL_REASONS) {
          break;
        }
        if (crl.deltaBase() != null) {
          continue;
        }
        String problem = usable(crl, in);
        if (problem == null) {
          problem = CrlScope.mismatch(crl, dp, cert);
        }
        if (problem != null) {
          why = problem;
          continue;
        }
        int interim = CrlScope.reasons(crl, dp);
        if ((interim & ~mask) == 0) {
          continue;
        }
        String[] err = {"CRL signer not valid"};
        PublicKey key = signerKey(crl, cert, issuer, issuerKey, in, err);
        if (key == null) {
          why = err[0];
          continue;
        }
        CrlInfo delta = null;
        List<CrlInfo> deltas = deltas(crl, in, key, cert.extension(Extension.freshestCRL) != null);
        if (deltas == null) {
          why = "delta CRL required but none current and valid";
          continue;
        }
        if (!deltas.isEmpty()) {
          delta = deltas.get(0);
        }
        record(evidence, cert, crl, "CRL");
        if (delta != null) {
          record(evidence, cert, delta, "DELTA_CRL");
          CrlInfo.Entry e = delta.find(cert.issuerKey(), cert.serial());
          if (e != null) {
            if (e.reason() == REMOVE_FROM_CRL) {
              mask |= interim;
              continue;
            }
            return new RevocationStatus.IsRevoked(
                new Revoked(Revoked.reasonName(e.reason()), e.date()));
          }
        }
        CrlInfo.Entry e = crl.find(cert.issuerKey(), cert.serial());
        if (e != null && e.reason() != REMOVE_FROM_CRL) {
          return new RevocationStatus.IsRevoked(
              new Revoked(Revoked.reasonName(e.reason()), e.date()));
        }
        mask |= interim;
      }
    }
    if (mask != CrlScope.ALL_REASONS) {
      return new RevocationStatus.Unknown(why);
    }
    return new RevocationStatus.Good();
  }

  private List<CrlInfo> candidates(DistributionPoint dp, Cert cert) {
    if (dp.getCRLIssuer() == null) {
      return crls.issuedBy(cert.issuerKey());
    }
    List<CrlInfo> out = new ArrayList<>();
    for (var g : dp.getCRLIssuer().getNames()) {
      if (g.getTagNo() == org.bouncycastle.asn1.x509.GeneralName.directoryName) {
        out.addAll(
            crls.issuedBy(
                Cert.canonical(org.bouncycastle.asn1.x500.X500Name.getInstance(g.getName()))));
      }
    }
    return out;
  }

  private static @Nullable String usable(CrlInfo crl, ValidationInputs in) {
    if (crl.unusable() != null) {
      return crl.unusable();
    }
    if (crl.thisUpdate().isAfter(in.time())) {
      return "CRL issued after the validation time";
    }
    if (crl.nextUpdate() != null && !in.time().isBefore(crl.nextUpdate())) {
      return "CRL is out of date (nextUpdate " + crl.nextUpdate() + ")";
    }
    return null;
  }

  /** 6.3.3 (e), (f): the validated key that signed the CRL. */
  private @Nullable PublicKey signerKey(
      CrlInfo crl, Cert cert, Cert issuer, PublicKey issuerKey, ValidationInputs in, String[] why) {
    if (crl.issuerKey().equals(cert.issuerKey())
        && crl.signedBy(issuerKey, Signatures.keyId(issuerKey))) {
      if (issuer.keyUsageAllows(KeyUsage.cRLSign)) {
        return issuerKey;
      }
      why[0] = "the issuer's key may not sign CRLs (cRLSign)";
    }
    PublicKey outer = inProgress.get(crl.id());
    if (outer != null) {
      return outer;
    }
    return signers.signer(crl, in, inProgress, why);
  }

  /**
   * 6.3.3 (g): the current delta CRLs for a complete CRL (best first), an empty list when none is
   * needed, or {@code null} when one is announced or present but none is usable.
   */
  private @Nullable List<CrlInfo> deltas(
      CrlInfo complete, ValidationInputs in, PublicKey key, boolean announcedByCertificate) {
    List<CrlInfo> found = new ArrayList<>();
    // Announced by the list's or the certificate's freshestCRL (RFC 5280 4.2.1.15, 5.2.6): a delta
    // that cannot be had leaves revocations since the complete list unknown, so no VALID on its
    // basis.
    boolean present = complete.hasFreshest() || announcedByCertificate;
    for (CrlInfo d : crls.issuedBy(complete.issuerKey())) {
      if (d.deltaBase() == null || !CrlScope.sameIdp(d, complete)) {
        continue;
      }
      present = true;
      if (complete.number() == null
          || d.deltaBase().compareTo(complete.number()) > 0
          || (d.number() != null && d.number().compareTo(complete.number()) <= 0)) {
        continue;
      }
      if (usable(d, in) == null && d.signedBy(key, Signatures.keyId(key))) {
        found.add(d);
      }
    }
    if (present && found.isEmpty()) {
      return null;
    }
    found.sort((a, b) -> b.thisUpdate().compareTo(a.thisUpdate()));
    return found;
  }

  private static void record(
      List<RevocationEvidence> evidence, Cert cert, CrlInfo crl, String kind) {
    evidence.add(
        new RevocationEvidence(
            cert.serialHex(),
            kind,
            crl.issuerDisplay(),
            crl.number(),
            crl.location(),
            crl.thisUpdate(),
            crl.nextUpdate()));
  }
}
