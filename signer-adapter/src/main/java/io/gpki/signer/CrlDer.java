package io.gpki.signer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;

/**
 * DER of a CRL's to-be-signed part and of the signed list, written into single byte arrays.
 *
 * <p>The small fields (algorithm, issuer, times, list extensions) are encoded with Bouncy Castle;
 * the entries come pre-encoded from {@link CrlEntries}. Nothing per entry is created, so a list of
 * a million entries needs about its own size to build, once for the to-be-signed bytes and once for
 * the signed list.
 */
final class CrlDer {

  /** {@code INTEGER 1}: version v2, needed because the list has extensions (RFC 5280 5.1.2.1). */
  private static final byte[] VERSION_2 = {0x02, 0x01, 0x01};

  private CrlDer() {}

  /** The DER of {@code TBSCertList} for the template. */
  static byte[] tbs(CrlTemplate t) {
    byte[] algorithm = der(PkiObjectBuilder.algorithmIdentifier(t.signatureAlgorithm()));
    byte[] issuer = der(t.issuer());
    byte[] thisUpdate = CrlEntries.time(t.thisUpdate());
    byte[] nextUpdate = CrlEntries.time(t.nextUpdate());
    byte[] extensions = der(extensions(t));
    CrlEntries entries = t.entries();
    long revoked =
        entries.count() == 0
            ? 0
            : (long) CrlEntries.headerLength(entries.encodedLength()) + entries.encodedLength();
    long body =
        VERSION_2.length
            + algorithm.length
            + issuer.length
            + thisUpdate.length
            + nextUpdate.length
            + revoked
            + CrlEntries.headerLength(extensions.length)
            + extensions.length;
    byte[] out = new byte[checked(CrlEntries.headerLength(checked(body)) + body)];
    int at = CrlEntries.writeHeader(out, 0, 0x30, (int) body);
    at = put(out, at, VERSION_2);
    at = put(out, at, algorithm);
    at = put(out, at, issuer);
    at = put(out, at, thisUpdate);
    at = put(out, at, nextUpdate);
    if (entries.count() > 0) {
      // RFC 5280 5.1.2.6: when there are no revoked certificates, the list is absent.
      at += CrlEntries.writeHeader(out, at, 0x30, entries.encodedLength());
      entries.copyTo(out, at);
      at += entries.encodedLength();
    }
    at += CrlEntries.writeHeader(out, at, 0xa0, extensions.length);
    put(out, at, extensions);
    return out;
  }

  /** {@code CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue }}. */
  static byte[] signed(byte[] tbs, String signatureAlgorithm, byte[] signature) {
    byte[] algorithm = der(PkiObjectBuilder.algorithmIdentifier(signatureAlgorithm));
    int bits = signature.length + 1;
    long body = (long) tbs.length + algorithm.length + CrlEntries.headerLength(bits) + bits;
    byte[] out = new byte[checked(CrlEntries.headerLength(checked(body)) + body)];
    int at = CrlEntries.writeHeader(out, 0, 0x30, (int) body);
    at = put(out, at, tbs);
    at = put(out, at, algorithm);
    at += CrlEntries.writeHeader(out, at, 0x03, bits);
    out[at++] = 0; // no unused bits
    put(out, at, signature);
    return out;
  }

  /**
   * authorityKeyIdentifier, cRLNumber and the critical issuingDistributionPoint that sets the
   * scope.
   */
  private static ASN1Encodable extensions(CrlTemplate t) {
    try {
      ExtensionsGenerator x = new ExtensionsGenerator();
      x.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new AuthorityKeyIdentifier(t.authorityKeyIdentifier()));
      x.addExtension(Extension.cRLNumber, false, new CRLNumber(t.number()));
      DistributionPointName dpName =
          t.distributionPoints().isEmpty()
              ? null
              : new DistributionPointName(uris(t.distributionPoints()));
      boolean arl = t.scope() == CrlScope.ARL;
      x.addExtension(
          Extension.issuingDistributionPoint,
          true,
          new IssuingDistributionPoint(dpName, !arl, arl, null, false, false));
      return x.generate();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static GeneralNames uris(List<String> uris) {
    return new GeneralNames(
        uris.stream()
            .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u))
            .toArray(GeneralName[]::new));
  }

  private static int put(byte[] out, int at, byte[] bytes) {
    System.arraycopy(bytes, 0, out, at, bytes.length);
    return at + bytes.length;
  }

  private static int checked(long size) {
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalStateException("CRL exceeds 2 GB");
    }
    return (int) size;
  }

  private static byte[] der(ASN1Encodable o) {
    try {
      return o.toASN1Primitive().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
