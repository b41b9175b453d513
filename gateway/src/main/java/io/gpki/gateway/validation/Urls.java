package io.gpki.gateway.validation;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * URLs a certificate names: AIA (caIssuers, OCSP) and CRL distribution points (incl. freshest CRL).
 */
final class Urls {

  private Urls() {}

  /** AIA URIs of one access method, in certificate order. */
  static List<String> aia(Cert cert, ASN1ObjectIdentifier method) {
    Extension ext = cert.extension(Extension.authorityInfoAccess);
    List<String> out = new ArrayList<>();
    if (ext == null) {
      return out;
    }
    for (AccessDescription d :
        AuthorityInformationAccess.getInstance(ext.getParsedValue()).getAccessDescriptions()) {
      if (d.getAccessMethod().equals(method)
          && d.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
        out.add(ASN1IA5String.getInstance(d.getAccessLocation().getName()).getString());
      }
    }
    return out;
  }

  /** caIssuers URIs. */
  static List<String> caIssuers(Cert cert) {
    return aia(cert, AccessDescription.id_ad_caIssuers);
  }

  /** URIs of the CRL distribution points and freshest-CRL points, http before ldap. */
  static List<String> crls(Cert cert) {
    List<String> out = new ArrayList<>();
    for (var oid : List.of(Extension.cRLDistributionPoints, Extension.freshestCRL)) {
      Extension ext = cert.extension(oid);
      if (ext == null) {
        continue;
      }
      for (DistributionPoint dp :
          CRLDistPoint.getInstance(ext.getParsedValue()).getDistributionPoints()) {
        DistributionPointName n = dp.getDistributionPoint();
        if (n == null || n.getType() != DistributionPointName.FULL_NAME) {
          continue;
        }
        for (GeneralName g : GeneralNames.getInstance(n.getName()).getNames()) {
          if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
            out.add(ASN1IA5String.getInstance(g.getName()).getString());
          }
        }
      }
    }
    out.sort((a, b) -> Boolean.compare(a.startsWith("ldap"), b.startsWith("ldap")));
    return out;
  }
}
