package io.gpki.signer;

/**
 * What a certificate is for. The profile fixes basic constraints, key usage, extended key usage and
 * which of the access extensions it carries.
 */
public enum CertificateProfile {
  /** A self-signed CA certificate (a trust anchor of its own domain). */
  SELF_SIGNED_CA(true),
  /** A cross-certificate issued by one CA to another CA of a different domain. */
  CROSS_CA(true),
  /** A link certificate between two key generations of one CA (old-with-new or new-with-old). */
  LINK(true),
  /** An official's or organisation's signing certificate (digitalSignature, nonRepudiation). */
  OFFICIAL_SIGNING(false),
  /** A citizen's or user's signing certificate (digitalSignature, nonRepudiation). */
  USER_SIGNING(false),
  /** A key-encipherment certificate for encryption. */
  ENCRYPTION(false),
  /** A TLS server certificate for internal servers (serverAuth). */
  SERVER_TLS(false),
  /** A TLS client certificate (LRA and operator credentials; clientAuth). */
  CLIENT_TLS(false),
  /** A delegated OCSP responder certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck). */
  OCSP_SIGNING(false);

  private final boolean ca;

  CertificateProfile(boolean ca) {
    this.ca = ca;
  }

  /** Whether certificates of this profile are CA certificates. */
  public boolean isCa() {
    return ca;
  }
}
