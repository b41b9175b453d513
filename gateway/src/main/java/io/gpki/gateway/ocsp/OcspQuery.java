package io.gpki.gateway.ocsp;

import java.util.List;
import org.bouncycastle.asn1.ocsp.TBSRequest;
import org.bouncycastle.asn1.x509.Extension;
import org.jspecify.annotations.Nullable;

/**
 * A decoded OCSP request as it moves down the chain: the request filter resolves the targets and
 * the nonce, the repository stage adds one state per target.
 *
 * @param request the decoded request
 * @param nonce the nonce extension to echo, or {@code null}
 * @param targets the certificates asked about (empty before the request filter)
 * @param states one state per target (empty before the repository stage)
 */
public record OcspQuery(
    TBSRequest request, @Nullable Extension nonce, List<Target> targets, List<CertState> states) {

  public OcspQuery {
    targets = List.copyOf(targets);
    states = List.copyOf(states);
  }

  /** A query fresh from the decoder. */
  public static OcspQuery of(TBSRequest request) {
    return new OcspQuery(request, null, List.of(), List.of());
  }

  /** The query with its targets resolved and its nonce checked. */
  public OcspQuery resolved(List<Target> resolvedTargets, @Nullable Extension resolvedNonce) {
    return new OcspQuery(request, resolvedNonce, resolvedTargets, List.of());
  }

  /** The query with the authoritative state of each target. */
  public OcspQuery withStates(List<CertState> resolvedStates) {
    if (resolvedStates.size() != targets.size()) {
      throw new IllegalArgumentException("one state per target");
    }
    return new OcspQuery(request, nonce, targets, resolvedStates);
  }

  /** Whether a pre-signed answer fits: one certificate and no nonce to echo. */
  public boolean presignable() {
    return nonce == null && targets.size() == 1;
  }
}
