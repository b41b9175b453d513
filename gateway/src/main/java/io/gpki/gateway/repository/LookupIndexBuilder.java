package io.gpki.gateway.repository;

import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * Builds the {@link LookupIndex}: for each certificate its RFC 4387 keys (certHash, iHash, sHash,
 * iAndSHash, sKIDHash, name, cn, uri/email), for each current CRL/ARL its issuer's iHash, sKIDHash
 * and name.
 */
final class LookupIndexBuilder {

  static final String CERTS = "certificates";
  static final String CRLS = "crls";

  private final int maxResults;

  LookupIndexBuilder(int maxResults) {
    this.maxResults = maxResults;
  }

  /**
   * @param sharedCertificateKeys index keys ({@link LookupIndex#key}) that certificates outside
   *     {@code certs} also have
   */
  LookupIndex build(
      List<CertificateRecord> certs,
      List<CaRecord> cas,
      List<CrlRecord> crls,
      Set<String> sharedCertificateKeys) {
    Map<String, Set<CertificateRecord>> certKeys = new LinkedHashMap<>();
    for (CertificateRecord c : certs) {
      for (String k : certificateKeys(c)) {
        certKeys.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(c);
      }
    }
    Map<String, Set<CrlRecord>> crlKeys = new LinkedHashMap<>();
    for (CrlRecord l : crls) {
      CaRecord ca = cas.stream().filter(x -> x.id().equals(l.caId())).findFirst().orElse(null);
      if (ca != null) {
        for (String k : crlKeys(ca, l)) {
          crlKeys.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(l);
        }
      }
    }
    Map<String, Integer> tooMany = new HashMap<>();
    Map<String, Published> certIndex =
        answers(
            certKeys,
            CERTS,
            tooMany,
            SnapshotBuilder::certificate,
            CertificateRecord::der,
            SnapshotBuilder.PKIX_CERT);
    Map<String, Published> crlIndex =
        answers(
            crlKeys,
            CRLS,
            tooMany,
            LookupIndexBuilder::crl,
            CrlRecord::der,
            SnapshotBuilder.PKIX_CRL);
    return new LookupIndex(
        Map.copyOf(certIndex),
        Map.copyOf(crlIndex),
        Map.copyOf(tooMany),
        Set.copyOf(sharedCertificateKeys));
  }

  private <T> Map<String, Published> answers(
      Map<String, Set<T>> keys,
      String store,
      Map<String, Integer> tooMany,
      Function<T, Published> one,
      Function<T, byte[]> der,
      String partType) {
    Map<T, Published> singles = new HashMap<>();
    Map<String, Published> out = new HashMap<>();
    for (Map.Entry<String, Set<T>> e : keys.entrySet()) {
      List<T> hits = new ArrayList<>(e.getValue());
      if (hits.size() == 1) {
        out.put(e.getKey(), singles.computeIfAbsent(hits.get(0), one));
      } else if (hits.size() > maxResults) {
        tooMany.put(store + ':' + e.getKey(), hits.size());
      } else {
        out.put(
            e.getKey(),
            several(
                hits.stream().map(der).toList(),
                hits.stream().map(h -> singles.computeIfAbsent(h, one)).toList(),
                partType));
      }
    }
    return out;
  }

  /**
   * The answer for certificates found in the store: the DER of one, or a multipart body of several.
   */
  static Published certificates(List<CertificateRecord> hits) {
    if (hits.size() == 1) {
      return SnapshotBuilder.certificate(hits.get(0));
    }
    return several(
        hits.stream().map(CertificateRecord::der).toList(),
        hits.stream().map(SnapshotBuilder::certificate).toList(),
        SnapshotBuilder.PKIX_CERT);
  }

  /**
   * A {@code multipart/mixed} answer (RFC 4387 section 2.1: several results), one part per object.
   */
  private static Published several(List<byte[]> ders, List<Published> each, String partType) {
    Multipart.Body body = Multipart.mixed(ders, partType);
    return new Published(
        body.bytes(),
        body.contentType(),
        SnapshotBuilder.etag(body.bytes()),
        each.stream()
            .map(Published::lastModified)
            .max(java.util.Comparator.naturalOrder())
            .orElseThrow(),
        each.stream()
            .map(Published::nextUpdate)
            .filter(java.util.Objects::nonNull)
            .min(java.util.Comparator.naturalOrder())
            .orElse(null));
  }

  static Published crl(CrlRecord l) {
    return new Published(
        l.der(),
        SnapshotBuilder.PKIX_CRL,
        SnapshotBuilder.etag(l.sha256()),
        l.thisUpdate(),
        l.nextUpdate());
  }

  /** Every index key of one certificate. */
  static List<String> certificateKeys(CertificateRecord c) {
    X509CertificateHolder x = holder(c.der());
    List<String> keys = new ArrayList<>();
    keys.add(LookupIndex.key("certHash", Hashes.sha1Value(c.der())));
    keys.add(LookupIndex.key("iHash", Hashes.sha1Value(der(x.getIssuer()))));
    keys.add(LookupIndex.key("sHash", Hashes.sha1Value(der(x.getSubject()))));
    keys.add(
        LookupIndex.key(
            "iAndSHash",
            Hashes.sha1Value(
                der(
                    new DERSequence(
                        new ASN1Encodable[] {
                          x.getIssuer(), new ASN1Integer(x.getSerialNumber())
                        })))));
    keys.add(
        LookupIndex.key(
            "sKIDHash",
            Hashes.encode(Hashes.sha1(x.getSubjectPublicKeyInfo().getPublicKeyData().getBytes()))));
    SubjectKeyIdentifier ski = SubjectKeyIdentifier.fromExtensions(x.getExtensions());
    if (ski != null && ski.getKeyIdentifier().length == 20) {
      keys.add(LookupIndex.key("sKIDHash", Hashes.encode(ski.getKeyIdentifier())));
    }
    keys.add(LookupIndex.key("name", DirectoryNames.normalize(c.subjectDn())));
    for (String cn : values(x.getSubject(), BCStyle.CN)) {
      String v = DirectoryNames.normalizeValue(cn);
      keys.add(LookupIndex.key("cn", v));
      keys.add(LookupIndex.key("name", v));
    }
    for (String mail : values(x.getSubject(), BCStyle.EmailAddress)) {
      keys.add(LookupIndex.key("email", mail.toLowerCase(Locale.ROOT)));
      keys.add(LookupIndex.key("uri", mail.toLowerCase(Locale.ROOT)));
    }
    GeneralNames sans =
        GeneralNames.fromExtensions(x.getExtensions(), Extension.subjectAlternativeName);
    if (sans != null) {
      for (GeneralName n : sans.getNames()) {
        String v = n.getName().toString().toLowerCase(Locale.ROOT);
        switch (n.getTagNo()) {
          case GeneralName.rfc822Name -> {
            keys.add(LookupIndex.key("email", v));
            keys.add(LookupIndex.key("uri", v));
            keys.add(LookupIndex.key("uri", "mailto:" + v));
          }
          case GeneralName.dNSName, GeneralName.uniformResourceIdentifier ->
              keys.add(LookupIndex.key("uri", v));
          default -> {}
        }
      }
    }
    return keys.stream().distinct().toList();
  }

  /** Every index key of a CA's current CRL or ARL: its issuer's name hash, key id and name. */
  static List<String> crlKeys(CaRecord ca, CrlRecord l) {
    List<String> keys = new ArrayList<>();
    keys.add(LookupIndex.key("iHash", Hashes.sha1Value(ca.subjectDer())));
    keys.add(LookupIndex.key("name", DirectoryNames.normalize(ca.subjectDn())));
    try {
      X509CRLHolder crl = new X509CRLHolder(l.der());
      AuthorityKeyIdentifier aki = AuthorityKeyIdentifier.fromExtensions(crl.getExtensions());
      if (aki != null && aki.getKeyIdentifierObject() != null) {
        keys.add(
            LookupIndex.key("sKIDHash", Hashes.encode(aki.getKeyIdentifierObject().getOctets())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return keys;
  }

  private static List<String> values(
      X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
    List<String> out = new ArrayList<>();
    for (RDN rdn : name.getRDNs(type)) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        if (atv.getType().equals(type)) {
          out.add(
              atv.getValue() instanceof ASN1String str
                  ? str.getString()
                  : IETFUtils.valueToString(atv.getValue()));
        }
      }
    }
    return out;
  }

  static X509CertificateHolder holder(byte[] der) {
    try {
      return new X509CertificateHolder(der);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] der(ASN1Object o) {
    try {
      return o.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
