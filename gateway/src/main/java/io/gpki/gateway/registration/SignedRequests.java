package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * LRA requests are CMS SignedData (RFC 5652) with the JSON request as encapsulated content and the
 * operator's certificate in the certificates field. The DER as received is the evidence kept.
 */
public final class SignedRequests {

  /** Media type of a signed request. */
  public static final String MEDIA_TYPE = "application/cms";

  private SignedRequests() {}

  /**
   * A verified signed request.
   *
   * @param content the encapsulated JSON
   * @param signer the certificate whose key made the signature
   * @param der the SignedData as received
   */
  public record Verified(byte[] content, X509CertificateHolder signer, byte[] der) {}

  /**
   * Parses the SignedData and checks its one signature against the certificate it carries. Whose
   * certificate that is, and whether it may act, the caller checks.
   */
  public static Verified verify(byte[] der) {
    CMSSignedData cms;
    try {
      cms = new CMSSignedData(der);
    } catch (CMSException | RuntimeException e) {
      throw new PkiException(ErrorType.BAD_REQUEST, "body: not a DER CMS SignedData");
    }
    if (cms.getSignedContent() == null
        || !(cms.getSignedContent().getContent() instanceof byte[] content)) {
      throw new PkiException(
          ErrorType.BAD_REQUEST, "body: the SignedData must encapsulate the request");
    }
    Collection<SignerInformation> signers = cms.getSignerInfos().getSigners();
    if (signers.size() != 1) {
      throw new PkiException(ErrorType.BAD_REQUEST, "body: exactly one signer expected");
    }
    SignerInformation si = signers.iterator().next();
    @SuppressWarnings(
        "unchecked") // Bouncy Castle's Store is raw; it holds only X509CertificateHolder
    Collection<X509CertificateHolder> certs = cms.getCertificates().getMatches(si.getSID());
    if (certs.isEmpty()) {
      throw new PkiException(
          ErrorType.BAD_REQUEST, "body: the signer's certificate is not included");
    }
    X509CertificateHolder cert = certs.iterator().next();
    boolean valid;
    try {
      valid = si.verify(new JcaSimpleSignerInfoVerifierBuilder().build(cert));
    } catch (CMSException
        | OperatorCreationException
        | GeneralSecurityException
        | RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new PkiException(
          ErrorType.FORBIDDEN, "signature: the request signature does not verify");
    }
    return new Verified(content, cert, der);
  }

  /** Signs content as an operator (the LRA client side; also used by tests). */
  public static byte[] sign(byte[] content, PrivateKey key, X509Certificate cert) {
    try {
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
      gen.addSignerInfoGenerator(
          new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
              .build(new JcaContentSignerBuilder(alg).build(key), cert));
      gen.addCertificates(new JcaCertStore(List.of(cert)));
      return gen.generate(new CMSProcessableByteArray(content), true).getEncoded();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (CMSException | OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the request", e);
    }
  }
}
