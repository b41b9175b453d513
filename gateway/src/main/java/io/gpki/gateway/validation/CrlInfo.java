package io.gpki.gateway.validation;

import java.io.IOException;
import java.math.BigInteger;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1SequenceParser;
import org.bouncycastle.asn1.ASN1StreamParser;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1TaggedObjectParser;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.InMemoryRepresentable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.TBSCertList;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.cert.X509CRLHolder;
import org.jspecify.annotations.Nullable;

/**
 * A parsed CRL held compactly: the header fields validation needs, and the revoked entries as
 * sorted parallel arrays (serial bytes, certificate-issuer index, reason, date) instead of one
 * object per entry. The DER is kept once for signature checks, whose results are cached per key.
 */
public final class CrlInfo {

  private static final Set<ASN1ObjectIdentifier> KNOWN_CRL_EXTENSIONS =
      Set.of(
          Extension.issuingDistributionPoint,
          Extension.deltaCRLIndicator,
          Extension.cRLNumber,
          Extension.authorityKeyIdentifier,
          Extension.freshestCRL,
          Extension.issuerAlternativeName,
          Extension.authorityInfoAccess);
  private static final Set<ASN1ObjectIdentifier> KNOWN_ENTRY_EXTENSIONS =
      Set.of(
          Extension.reasonCode,
          Extension.invalidityDate,
          Extension.certificateIssuer,
          Extension.instructionCode);

  private final byte[] der;
  private final String id;
  private final String location;
  private final X500Name issuer;
  private final String issuerKey;
  private final String issuerDisplay;
  private final Instant thisUpdate;
  private final @Nullable Instant nextUpdate;
  private final @Nullable BigInteger number;
  private final @Nullable BigInteger deltaBase;
  private final @Nullable IssuingDistributionPoint idp;
  private final boolean freshest;
  private final byte @Nullable [] akiKeyId;
  private final @Nullable String unusable;
  private final List<String> entryIssuers = new ArrayList<>();
  private final byte[] serialData;
  private final int[] serialOffsets;
  private final int[] issuerIndex;
  private final byte[] reasons;
  private final long[] dates;
  private final ConcurrentHashMap<String, Boolean> signatureChecks = new ConcurrentHashMap<>();

  private CrlInfo(byte[] der, String location) throws IOException {
    this.der = der;
    this.id = Cert.sha256Hex(der);
    this.location = location;
    // Streamed: the revoked entries are read one at a time and packed, never all held as objects.
    ASN1SequenceParser certList = (ASN1SequenceParser) new ASN1StreamParser(der).readObject();
    ASN1SequenceParser tbs = (ASN1SequenceParser) certList.readObject();
    ASN1Encodable o = tbs.readObject();
    if (o instanceof ASN1Integer) {
      o = tbs.readObject();
    }
    load(o); // signature AlgorithmIdentifier
    this.issuer = X500Name.getInstance(load(tbs.readObject()));
    this.issuerKey = Cert.canonical(issuer);
    this.issuerDisplay =
        new javax.security.auth.x500.X500Principal(Cert.encoded(issuer))
            .getName(javax.security.auth.x500.X500Principal.RFC2253);
    this.thisUpdate = Time.getInstance(load(tbs.readObject())).getDate().toInstant();
    o = tbs.readObject();
    Instant next = null;
    if (o instanceof ASN1UTCTime || o instanceof ASN1GeneralizedTime) {
      next = Time.getInstance(o).getDate().toInstant();
      o = tbs.readObject();
    }
    this.nextUpdate = next;
    entryIssuers.add(issuerKey);
    EntryBuffer buf = new EntryBuffer();
    String problem = null;
    if (o instanceof ASN1SequenceParser revoked) {
      int current = 0;
      for (ASN1Encodable e = revoked.readObject(); e != null; e = revoked.readObject()) {
        TBSCertList.CRLEntry entry = TBSCertList.CRLEntry.getInstance(load(e));
        int reason = 0;
        Extensions ee = entry.getExtensions();
        if (ee != null) {
          for (ASN1ObjectIdentifier oid : ee.getCriticalExtensionOIDs()) {
            if (!KNOWN_ENTRY_EXTENSIONS.contains(oid)) {
              problem = "unknown critical CRL entry extension " + oid;
            }
          }
          Extension r = ee.getExtension(Extension.reasonCode);
          if (r != null) {
            reason = ASN1Enumerated.getInstance(r.getParsedValue()).intValueExact();
          }
          Extension ci = ee.getExtension(Extension.certificateIssuer);
          if (ci != null) {
            current = issuerIndexOf(GeneralNames.getInstance(ci.getParsedValue()));
          }
        }
        buf.add(
            entry.getUserCertificate().getValue().toByteArray(),
            current,
            reason,
            entry.getRevocationDate().getDate().toInstant().toEpochMilli());
      }
      o = tbs.readObject();
    }
    Extensions ext = null;
    if (o instanceof ASN1TaggedObjectParser tagged && tagged.getTagNo() == 0) {
      ext = Extensions.getInstance(ASN1TaggedObject.getInstance(load(o)).getExplicitBaseObject());
    }
    if (ext != null) {
      for (ASN1ObjectIdentifier oid : ext.getCriticalExtensionOIDs()) {
        if (!KNOWN_CRL_EXTENSIONS.contains(oid)) {
          problem = "unknown critical CRL extension " + oid;
        }
      }
    }
    Extension n = ext == null ? null : ext.getExtension(Extension.cRLNumber);
    this.number = n == null ? null : ASN1Integer.getInstance(n.getParsedValue()).getValue();
    Extension d = ext == null ? null : ext.getExtension(Extension.deltaCRLIndicator);
    this.deltaBase = d == null ? null : ASN1Integer.getInstance(d.getParsedValue()).getValue();
    Extension i = ext == null ? null : ext.getExtension(Extension.issuingDistributionPoint);
    this.idp = i == null ? null : IssuingDistributionPoint.getInstance(i.getParsedValue());
    this.freshest = ext != null && ext.getExtension(Extension.freshestCRL) != null;
    AuthorityKeyIdentifier aki = ext == null ? null : AuthorityKeyIdentifier.fromExtensions(ext);
    this.akiKeyId = aki == null ? null : aki.getKeyIdentifierOctets();
    if (idp == null || !idp.isIndirectCRL()) {
      // certificateIssuer only means something on an indirect CRL (RFC 5280 5.3.3)
      buf.singleIssuer();
      entryIssuers.subList(1, entryIssuers.size()).clear();
    }
    this.unusable = problem;
    Integer[] order = buf.order();
    this.serialOffsets = new int[order.length + 1];
    this.issuerIndex = new int[order.length];
    this.reasons = new byte[order.length];
    this.dates = new long[order.length];
    this.serialData = buf.pack(order, serialOffsets, issuerIndex, reasons, dates);
  }

  /** Materialises one element of a streamed structure (small: a name, a time, one entry). */
  private static ASN1Primitive load(ASN1Encodable e) throws IOException {
    return e instanceof InMemoryRepresentable r ? r.getLoadedObject() : e.toASN1Primitive();
  }

  private int issuerIndexOf(GeneralNames names) {
    for (GeneralName g : names.getNames()) {
      if (g.getTagNo() == GeneralName.directoryName) {
        String key = Cert.canonical(X500Name.getInstance(g.getName()));
        int idx = entryIssuers.indexOf(key);
        if (idx < 0) {
          entryIssuers.add(key);
          idx = entryIssuers.size() - 1;
        }
        return idx;
      }
    }
    return 0;
  }

  /**
   * Parses a DER CRL.
   *
   * @param location where it came from, reported as evidence
   * @throws IllegalArgumentException when it is not a CRL
   */
  public static CrlInfo parse(byte[] der, String location) {
    try {
      return new CrlInfo(der, location);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a DER CRL: " + e.getMessage(), e);
    }
  }

  /** A revoked entry. */
  record Entry(int reason, Instant date) {}

  /** The entry for a certificate of {@code certIssuerKey} with {@code serial}, or {@code null}. */
  @Nullable Entry find(String certIssuerKey, BigInteger serial) {
    int idx = entryIssuers.indexOf(certIssuerKey);
    if (idx < 0) {
      return null;
    }
    byte[] s = serial.toByteArray();
    int lo = 0;
    int hi = issuerIndex.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Integer.compare(issuerIndex[mid], idx);
      if (c == 0) {
        c = EntryBuffer.compareSerials(serialData, serialOffsets[mid], serialOffsets[mid + 1], s);
      }
      if (c == 0) {
        return new Entry(reasons[mid], Instant.ofEpochMilli(dates[mid]));
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** Whether the CRL is signed by {@code key} (cached per key id). */
  boolean signedBy(PublicKey key, String keyId) {
    return signatureChecks.computeIfAbsent(
        keyId,
        k -> {
          try {
            return Signatures.verifies(new X509CRLHolder(der), key);
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** Number of revoked entries. */
  public int size() {
    return issuerIndex.length;
  }

  /** Bytes held for the entries (not counting the DER). */
  public long entryBytes() {
    return serialData.length
        + 4L * serialOffsets.length
        + 4L * issuerIndex.length
        + reasons.length
        + 8L * dates.length;
  }

  public String location() {
    return location;
  }

  public X500Name issuer() {
    return issuer;
  }

  String issuerKey() {
    return issuerKey;
  }

  /** The issuer in RFC 4514 form. */
  public String issuerDisplay() {
    return issuerDisplay;
  }

  public Instant thisUpdate() {
    return thisUpdate;
  }

  public @Nullable Instant nextUpdate() {
    return nextUpdate;
  }

  public @Nullable BigInteger number() {
    return number;
  }

  /** The BaseCRLNumber of a delta CRL; {@code null} for a complete CRL. */
  public @Nullable BigInteger deltaBase() {
    return deltaBase;
  }

  @Nullable IssuingDistributionPoint idp() {
    return idp;
  }

  boolean hasFreshest() {
    return freshest;
  }

  byte @Nullable [] akiKeyId() {
    return akiKeyId == null ? null : akiKeyId.clone();
  }

  /** Why the CRL must not be used, or {@code null}. */
  @Nullable String unusable() {
    return unusable;
  }

  /** SHA-256 of the DER, hex: the identity of the list. */
  String id() {
    return id;
  }

  byte[] der() {
    return Arrays.copyOf(der, der.length);
  }
}
