package io.gpki.signer;

/** What kind of key pair to generate, and the signature algorithm it is used with. */
public enum KeySpec {
  RSA_2048("RSA", 2048, "SHA256withRSA"),
  RSA_3072("RSA", 3072, "SHA256withRSA"),
  EC_P256("EC", 256, "SHA256withECDSA");

  private final String keyAlgorithm;
  private final int size;
  private final String signatureAlgorithm;

  KeySpec(String keyAlgorithm, int size, String signatureAlgorithm) {
    this.keyAlgorithm = keyAlgorithm;
    this.size = size;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** JCA key algorithm name. */
  public String keyAlgorithm() {
    return keyAlgorithm;
  }

  /** Key size in bits (curve size for EC). */
  public int size() {
    return size;
  }

  /** The JCA signature algorithm a key of this kind signs with. */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }
}
