package io.gpki.gateway.validation;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.ReasonFlags;
import org.jspecify.annotations.Nullable;

/**
 * RFC 5280 6.3.3 (b) and (c): whether a CRL's scope covers a distribution point, and its reasons.
 */
final class CrlScope {

  /** All reasons of 6.3.3 (the reason flags except unused). */
  static final int ALL_REASONS =
      ReasonFlags.keyCompromise
          | ReasonFlags.cACompromise
          | ReasonFlags.affiliationChanged
          | ReasonFlags.superseded
          | ReasonFlags.cessationOfOperation
          | ReasonFlags.certificateHold
          | ReasonFlags.privilegeWithdrawn
          | ReasonFlags.aACompromise;

  private CrlScope() {}

  /**
   * The names of a distribution point: its name, else its cRLIssuer, else the certificate issuer.
   */
  static List<GeneralName> dpNames(DistributionPoint dp, Cert cert) {
    DistributionPointName name = dp.getDistributionPoint();
    X500Name relativeBase = cert.issuer();
    if (dp.getCRLIssuer() != null) {
      for (GeneralName g : dp.getCRLIssuer().getNames()) {
        if (g.getTagNo() == GeneralName.directoryName) {
          relativeBase = X500Name.getInstance(g.getName());
        }
      }
    }
    if (name != null) {
      return names(name, relativeBase);
    }
    if (dp.getCRLIssuer() != null) {
      return List.of(dp.getCRLIssuer().getNames());
    }
    return List.of(new GeneralName(cert.issuer()));
  }

  /** The distribution point names of an IDP, or {@code null} when it has none. */
  static @Nullable List<GeneralName> idpNames(IssuingDistributionPoint idp, CrlInfo crl) {
    DistributionPointName name = idp.getDistributionPoint();
    return name == null ? null : names(name, crl.issuer());
  }

  private static List<GeneralName> names(DistributionPointName name, X500Name relativeBase) {
    if (name.getType() == DistributionPointName.FULL_NAME) {
      return List.of(GeneralNames.getInstance(name.getName()).getNames());
    }
    RDN[] base = relativeBase.getRDNs();
    List<RDN> rdns = new ArrayList<>(List.of(base));
    ASN1Encodable rel = name.getName();
    rdns.add(RDN.getInstance(rel));
    return List.of(new GeneralName(new X500Name(rdns.toArray(new RDN[0]))));
  }

  /** Whether any name of {@code a} equals any of {@code b} (directory names canonically). */
  static boolean anyMatch(List<GeneralName> a, List<GeneralName> b) {
    for (GeneralName x : a) {
      for (GeneralName y : b) {
        if (same(x, y)) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean same(GeneralName x, GeneralName y) {
    if (x.getTagNo() != y.getTagNo()) {
      return false;
    }
    if (x.getTagNo() == GeneralName.directoryName) {
      return Cert.canonical(X500Name.getInstance(x.getName()))
          .equals(Cert.canonical(X500Name.getInstance(y.getName())));
    }
    return x.equals(y);
  }

  /** Whether the CRL issuer is among the directory names of a cRLIssuer field. */
  static boolean issuerIn(CrlInfo crl, GeneralNames crlIssuer) {
    for (GeneralName g : crlIssuer.getNames()) {
      if (g.getTagNo() == GeneralName.directoryName
          && Cert.canonical(X500Name.getInstance(g.getName())).equals(crl.issuerKey())) {
        return true;
      }
    }
    return false;
  }

  /**
   * 6.3.3 (b): whether {@code crl} may be used for {@code cert} through distribution point {@code
   * dp}; returns a reason when not, {@code null} when it may.
   */
  static @Nullable String mismatch(CrlInfo crl, DistributionPoint dp, Cert cert) {
    IssuingDistributionPoint idp = crl.idp();
    if (dp.getCRLIssuer() != null) {
      if (!issuerIn(crl, dp.getCRLIssuer())) {
        return "CRL issuer is not the distribution point's cRLIssuer";
      }
      if (idp == null || !idp.isIndirectCRL()) {
        return "CRL from a cRLIssuer is not an indirect CRL";
      }
    } else if (!crl.issuerKey().equals(cert.issuerKey())) {
      return "CRL issuer is not the certificate issuer";
    }
    if (idp != null) {
      List<GeneralName> idpNames = idpNames(idp, crl);
      if (idpNames != null && !anyMatch(idpNames, dpNames(dp, cert))) {
        return "issuing distribution point does not match the certificate's distribution point";
      }
      if (idp.onlyContainsUserCerts() && cert.isCa()) {
        return "CRL covers only end-entity certificates";
      }
      if (idp.onlyContainsCACerts() && !cert.isCa()) {
        return "CRL covers only CA certificates";
      }
      if (idp.onlyContainsAttributeCerts()) {
        return "CRL covers only attribute certificates";
      }
    }
    return null;
  }

  /** 6.3.3 (c): the interim reasons mask. */
  static int reasons(CrlInfo crl, DistributionPoint dp) {
    IssuingDistributionPoint idp = crl.idp();
    int fromIdp =
        idp == null || idp.getOnlySomeReasons() == null
            ? ALL_REASONS
            : idp.getOnlySomeReasons().intValue();
    int fromDp = dp.getReasons() == null ? ALL_REASONS : dp.getReasons().intValue();
    return fromIdp & fromDp & ALL_REASONS;
  }

  /** Whether two CRLs have the same IDP (delta to complete matching, 6.3.3 (g)). */
  static boolean sameIdp(CrlInfo a, CrlInfo b) {
    IssuingDistributionPoint x = a.idp();
    IssuingDistributionPoint y = b.idp();
    if (x == null || y == null) {
      return x == null && y == null;
    }
    return java.util.Arrays.equals(Cert.encoded(x), Cert.encoded(y));
  }
}
