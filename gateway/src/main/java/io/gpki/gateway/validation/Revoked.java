package io.gpki.gateway.validation;

import java.time.Instant;

/**
 * Revocation details of a revoked certificate.
 *
 * @param reason the RFC 5280 CRLReason name, e.g. {@code keyCompromise}; {@code unspecified} if
 *     absent
 * @param revocationDate when it was revoked
 */
public record Revoked(String reason, Instant revocationDate) {

  private static final String[] NAMES = {
    "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", "unused7", "removeFromCRL", "privilegeWithdrawn",
    "aACompromise"
  };

  /** The RFC 5280 name of a CRLReason code. */
  public static String reasonName(int code) {
    return code >= 0 && code < NAMES.length ? NAMES[code] : "reason" + code;
  }
}
