package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The revocation of a certificate.
 *
 * @param revokedAt when it was revoked
 * @param reason RFC 5280 CRLReason code
 * @param invalidityDate when the key was known or suspected to be compromised, if given
 */
public record Revocation(Instant revokedAt, int reason, @Nullable Instant invalidityDate) {

  public Revocation {
    if (reason < 0 || reason > 10 || reason == 7) {
      throw new IllegalArgumentException("not an RFC 5280 CRLReason: " + reason);
    }
  }
}
