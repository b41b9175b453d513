package io.gpki.gateway.validation;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.jspecify.annotations.Nullable;

/**
 * A parsed certificate with the fields path building and validation use, computed once. Immutable
 * and safe to share between requests. Names are compared in their RFC 5280 7.1 canonical form (case
 * and whitespace insensitive, string type independent).
 */
public final class Cert {

  private static final JcaPEMKeyConverter KEYS =
      new JcaPEMKeyConverter().setProvider(new BouncyCastleProvider());

  private final byte[] der;
  private final X509CertificateHolder holder;
  private final Source source;
  private final String subjectKey;
  private final String issuerKey;
  private final String spkiHash;
  private final String sha256;
  private final byte @Nullable [] ski;
  private final byte @Nullable [] akiKeyId;
  private final @Nullable BasicConstraints basicConstraints;
  private final @Nullable KeyUsage keyUsage;
  private final @Nullable PublicKey publicKey;
  private final @Nullable String keyError;
  private final Instant notBefore;
  private final Instant notAfter;
  private final byte[] tbs;
  private volatile @Nullable List<DistributionPoint> distributionPoints;
  private @Nullable String subjectDisplay;
  private @Nullable String issuerDisplay;

  private Cert(byte[] der, Source source) {
    this.der = der.clone();
    this.holder = new X509CertificateHolder(Certificate.getInstance(der));
    this.source = source;
    this.subjectKey = canonical(holder.getSubject());
    this.issuerKey = canonical(holder.getIssuer());
    this.spkiHash = sha256Hex(encoded(holder.getSubjectPublicKeyInfo()));
    this.sha256 = sha256Hex(der);
    Extensions ext = holder.getExtensions();
    SubjectKeyIdentifier s = ext == null ? null : SubjectKeyIdentifier.fromExtensions(ext);
    this.ski = s == null ? null : s.getKeyIdentifier();
    AuthorityKeyIdentifier a = ext == null ? null : AuthorityKeyIdentifier.fromExtensions(ext);
    this.akiKeyId = a == null ? null : a.getKeyIdentifierOctets();
    this.basicConstraints = ext == null ? null : BasicConstraints.fromExtensions(ext);
    this.keyUsage = ext == null ? null : KeyUsage.fromExtensions(ext);
    PublicKey key = null;
    String error = null;
    try {
      key = Signatures.publicKey(holder.getSubjectPublicKeyInfo(), KEYS);
      if (key == null) {
        error =
            "unsupported key algorithm "
                + holder.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm();
      }
    } catch (org.bouncycastle.openssl.PEMException | RuntimeException e) {
      error = "cannot decode public key: " + e.getMessage();
    }
    this.publicKey = key;
    this.keyError = error;
    this.notBefore = holder.getNotBefore().toInstant();
    this.notAfter = holder.getNotAfter().toInstant();
    this.tbs = Der.firstElement(der);
  }

  /**
   * Parses a DER certificate.
   *
   * @throws IllegalArgumentException when it is not a certificate
   */
  public static Cert parse(byte[] der, Source source) {
    try {
      return new Cert(der, source);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a DER X.509 certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Parses a certificate a request brought, reusing the parse of the same bytes from an earlier
   * request (a bounded cache keyed by the exact DER; a parse depends on nothing else, so this is as
   * safe as the JDK's own certificate factory cache). Signature, validity, revocation and policy
   * checks still run on every validation.
   *
   * @throws IllegalArgumentException when it is not a certificate
   */
  public static Cert parseCached(byte[] der, Source source) {
    DerKey key = new DerKey(der);
    Cert c = PARSED.get(key);
    if (c == null || c.source != source) {
      c = parse(der, source);
      if (PARSED.size() >= MAX_PARSED) {
        PARSED.clear(); // crude but bounded: a burst of new certificates costs one re-parse each
      }
      PARSED.put(key, c);
    }
    return c;
  }

  private static final int MAX_PARSED = 4096;
  private static final java.util.concurrent.ConcurrentHashMap<DerKey, Cert> PARSED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Exact DER bytes as a map key (content equality; the array is never modified after parsing). */
  private static final class DerKey {
    private final byte[] der;
    private final int hash;

    DerKey(byte[] der) {
      this.der = der;
      this.hash = java.util.Arrays.hashCode(der);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DerKey k && k.hash == hash && java.util.Arrays.equals(k.der, der);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** The same certificate attributed to another source (shares nothing mutable). */
  public Cert withSource(Source newSource) {
    return newSource == source ? this : new Cert(der, newSource);
  }

  /** The RFC 5280 7.1 comparison form of a name. */
  public static String canonical(X500Name name) {
    return new X500Principal(encoded(name)).getName(X500Principal.CANONICAL);
  }

  static byte[] encoded(org.bouncycastle.asn1.ASN1Object o) {
    try {
      return o.getEncoded("DER");
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** DER bytes (a copy). */
  public byte[] der() {
    return der.clone();
  }

  /** The BC holder (read-only use). */
  public X509CertificateHolder holder() {
    return holder;
  }

  /** Where it came from. */
  public Source source() {
    return source;
  }

  /** Subject name. */
  public X500Name subject() {
    return holder.getSubject();
  }

  /** Issuer name. */
  public X500Name issuer() {
    return holder.getIssuer();
  }

  /** Subject in RFC 4514 form for display. */
  public String subjectDisplay() {
    String d = subjectDisplay;
    if (d == null) {
      d = new X500Principal(encoded(subject())).getName(X500Principal.RFC2253);
      subjectDisplay = d; // benign race: every thread computes the same string
    }
    return d;
  }

  /** Issuer in RFC 4514 form for display. */
  public String issuerDisplay() {
    String d = issuerDisplay;
    if (d == null) {
      d = new X500Principal(encoded(issuer())).getName(X500Principal.RFC2253);
      issuerDisplay = d;
    }
    return d;
  }

  /** Canonical subject, the name-chaining key. */
  public String subjectKey() {
    return subjectKey;
  }

  /** Canonical issuer. */
  public String issuerKey() {
    return issuerKey;
  }

  /** The graph node identity: (subject, key). */
  public String nodeId() {
    return subjectKey + "|" + spkiHash;
  }

  /** SHA-256 of the SubjectPublicKeyInfo, hex. */
  public String spkiHash() {
    return spkiHash;
  }

  /** SHA-256 of the certificate, hex. */
  public String sha256() {
    return sha256;
  }

  /** Serial number. */
  public BigInteger serial() {
    return holder.getSerialNumber();
  }

  /** Serial number in lower-case hex. */
  public String serialHex() {
    return holder.getSerialNumber().toString(16);
  }

  /** notBefore. */
  public Instant notBefore() {
    return notBefore;
  }

  /** notAfter. */
  public Instant notAfter() {
    return notAfter;
  }

  /** Whether subject and issuer are the same name (RFC 5280 self-issued). */
  public boolean selfIssued() {
    return subjectKey.equals(issuerKey);
  }

  /**
   * Whether it looks self-signed: self-issued and its AKI (if any) names its own key. Link
   * certificates of a key rollover are self-issued but name the other key, so they are not.
   */
  public boolean selfSigned() {
    return selfIssued()
        && (akiKeyId == null || ski == null || java.util.Arrays.equals(akiKeyId, ski));
  }

  /** Subject key identifier, if present. */
  public byte @Nullable [] ski() {
    return ski == null ? null : ski.clone();
  }

  /** Authority key identifier's keyIdentifier, if present. */
  public byte @Nullable [] akiKeyId() {
    return akiKeyId == null ? null : akiKeyId.clone();
  }

  /** Whether this certificate's AKI names the key identified by {@code issuerSki}. */
  boolean akiMatches(byte @Nullable [] issuerSki) {
    return akiKeyId != null && issuerSki != null && java.util.Arrays.equals(akiKeyId, issuerSki);
  }

  /** Whether the basicConstraints extension asserts cA. */
  public boolean isCa() {
    return basicConstraints != null && basicConstraints.isCA();
  }

  /** pathLenConstraint, or {@code null}. */
  public @Nullable BigInteger pathLen() {
    return basicConstraints == null || !basicConstraints.isCA()
        ? null
        : basicConstraints.getPathLenConstraint();
  }

  /** Whether a key usage bit is allowed ({@code true} when the extension is absent). */
  public boolean keyUsageAllows(int bit) {
    return keyUsage == null || keyUsage.hasUsages(bit);
  }

  /**
   * The decoded public key, or {@code null} when it cannot be decoded (see {@link #keyError()}).
   */
  public @Nullable PublicKey publicKey() {
    return publicKey;
  }

  /** Why the key could not be decoded. */
  public @Nullable String keyError() {
    return keyError;
  }

  /** The signed part (TBSCertificate) exactly as encoded. */
  byte[] tbs() {
    return tbs;
  }

  /**
   * The CRL distribution points, parsed once; without the extension, one point with neither name
   * nor cRLIssuer (RFC 5280 6.3: the issuer's full CRL).
   */
  List<DistributionPoint> distributionPoints() {
    List<DistributionPoint> d = distributionPoints;
    if (d == null) {
      Extension ext = extension(Extension.cRLDistributionPoints);
      d =
          ext == null
              ? List.of(new DistributionPoint(null, null, null))
              : List.of(CRLDistPoint.getInstance(ext.getParsedValue()).getDistributionPoints());
      distributionPoints = d;
    }
    return d;
  }

  /** An extension, or {@code null}. */
  public @Nullable Extension extension(ASN1ObjectIdentifier oid) {
    return holder.getExtension(oid);
  }

  /** OIDs of all critical extensions. */
  @SuppressWarnings("unchecked") // Bouncy Castle returns a raw Set of ASN1ObjectIdentifier
  public Set<ASN1ObjectIdentifier> criticalExtensions() {
    return holder.getCriticalExtensionOIDs();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Cert c && c.sha256.equals(sha256);
  }

  @Override
  public int hashCode() {
    return sha256.hashCode();
  }

  @Override
  public String toString() {
    return subjectDisplay() + " #" + serialHex();
  }
}
