package io.gpki.gateway.ocsp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.CertID;
import org.bouncycastle.asn1.oiw.OIWObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;

/**
 * One key generation of one of our CAs, as OCSP CertIDs name it (hash of the issuer name and of the
 * issuer's public key), with the responder that answers for it.
 *
 * @param caId the CA
 * @param generation the key generation that issued the certificates
 * @param nameDer DER of the CA's name (the issuer name of its certificates)
 * @param keyBits the CA public key's BIT STRING value
 * @param responder who signs answers for this issuer
 */
public record Issuer(
    String caId, int generation, byte[] nameDer, byte[] keyBits, Responder responder) {

  /**
   * A CertID hash algorithm: its identifier (with NULL parameters, as clients send it) and JCA
   * name.
   */
  public record HashAlgorithm(AlgorithmIdentifier id, String jcaName) {}

  static final HashAlgorithm SHA1 =
      new HashAlgorithm(
          new AlgorithmIdentifier(OIWObjectIdentifiers.idSHA1, DERNull.INSTANCE), "SHA-1");
  static final HashAlgorithm SHA256 =
      new HashAlgorithm(
          new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE), "SHA-256");

  /** The CertID hash algorithms we answer for, and pre-sign. */
  static final List<HashAlgorithm> HASHES = List.of(SHA1, SHA256);

  /**
   * The lookup key of an issuer: hash algorithm OID and the two hashes. Parameters of the algorithm
   * (absent or NULL) do not matter here.
   */
  public record Key(String hashOid, ByteBuffer nameHash, ByteBuffer keyHash) {}

  /** The lookup key of this issuer under a hash algorithm. */
  Key key(HashAlgorithm hash) {
    return key(hash, nameDer, keyBits);
  }

  /** The lookup key of an issuer name and key under a hash algorithm. */
  static Key key(HashAlgorithm hash, byte[] nameDer, byte[] keyBits) {
    return new Key(
        hash.id().getAlgorithm().getId(),
        ByteBuffer.wrap(digest(hash.jcaName(), nameDer)),
        ByteBuffer.wrap(digest(hash.jcaName(), keyBits)));
  }

  /** The lookup key a request's CertID names. */
  static Key key(CertID id) {
    return new Key(
        id.getHashAlgorithm().getAlgorithm().getId(),
        ByteBuffer.wrap(id.getIssuerNameHash().getOctets()),
        ByteBuffer.wrap(id.getIssuerKeyHash().getOctets()));
  }

  /** The CertID of one of this issuer's certificates, as a client would build it. */
  CertID certId(HashAlgorithm hash, BigInteger serial) {
    return new CertID(
        hash.id(),
        new DEROctetString(digest(hash.jcaName(), nameDer)),
        new DEROctetString(digest(hash.jcaName(), keyBits)),
        new ASN1Integer(serial));
  }

  /** The store's key of a certificate: {@code <ca>/<serial hex>}. */
  String certificateKey(BigInteger serial) {
    return caId + "/" + serial.toString(16);
  }

  /** DER of a CertID: the pre-signed cache's key. */
  static ByteBuffer cacheKey(CertID id) {
    try {
      return ByteBuffer.wrap(id.getEncoded(ASN1Encoding.DER));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required by every JDK", e);
    }
  }
}
