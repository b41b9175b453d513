package io.gpki.gateway.ocsp;

import java.math.BigInteger;
import org.bouncycastle.asn1.ocsp.CertID;

/**
 * One certificate a request asks about, with the issuer we resolved it to.
 *
 * @param certId the CertID exactly as the client sent it (echoed in the response)
 * @param issuer the issuer key generation it names
 * @param serial the serial number
 */
public record Target(CertID certId, Issuer issuer, BigInteger serial) {

  /** The store's key of the certificate: {@code <ca>/<serial hex>}. */
  public String certificateKey() {
    return issuer.certificateKey(serial);
  }
}
