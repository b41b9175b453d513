package io.gpki.gateway.ocsp;

import io.gpki.gateway.validation.OwnOcsp;
import java.math.BigInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The validation service's in-process view of the responder: the pre-signed answer the fast path
 * would send for a nonce-less request with a SHA-1 CertID, taken from the {@link PresignedCache}
 * without waiting, signing or touching the store. Nothing while the directory is not loaded, for
 * issuers we do not answer for, without a usable pre-signed answer, or while a local change is
 * pending (then the HTTP path would confirm against the store first; validation uses the CRL
 * instead).
 */
final class OwnStatus implements OwnOcsp {

  private final Supplier<IssuerDirectory> directory;
  private final PresignedCache cache;

  OwnStatus(Supplier<IssuerDirectory> directory, PresignedCache cache) {
    this.directory = directory;
    this.cache = cache;
  }

  @Override
  public byte @Nullable [] presigned(
      byte[] issuerNameDer, byte[] issuerKeyBits, BigInteger serial) {
    IssuerDirectory dir = directory.get();
    if (!dir.loaded()) {
      return null;
    }
    Issuer issuer = dir.find(Issuer.key(Issuer.SHA1, issuerNameDer, issuerKeyBits));
    if (issuer == null) {
      return null;
    }
    SignedResponse r = cache.peek(issuer.certId(Issuer.SHA1, serial));
    return r == null ? null : r.der();
  }
}
