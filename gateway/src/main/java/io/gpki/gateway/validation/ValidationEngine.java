package io.gpki.gateway.validation;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.jspecify.annotations.Nullable;

/**
 * Path discovery plus RFC 5280 validation: builds candidate paths from the target to the anchor
 * over a {@link CertPool}, validates each (revocation from a {@link CrlSet}) and returns the first
 * valid one or the most informative failure. Synchronous and CPU-bound, bounded by {@link Limits};
 * callers fetch everything remote beforehand. Thread-safe.
 */
public final class ValidationEngine {

  private final Limits limits;
  private final @Nullable OwnOcspEvidence own;

  public ValidationEngine(Limits limits) {
    this(limits, null);
  }

  /**
   * @param own our own OCSP responder's answers for our end-entity certificates, or {@code null}
   *     for CRLs only
   */
  ValidationEngine(Limits limits, @Nullable OwnOcspEvidence own) {
    this.limits = limits;
    this.own = own;
  }

  /** Validates {@code target} against {@code anchor}. */
  public Outcome validate(
      Cert target, Cert anchor, CertPool pool, CrlSet crls, ValidationInputs in) {
    return validate(target, anchor, pool, crls, Map.of(), in);
  }

  /**
   * As {@link #validate(Cert, Cert, CertPool, CrlSet, ValidationInputs)}, with OCSP answers (by
   * certificate SHA-256) consulted for certificates whose CRL status is unknown.
   */
  Outcome validate(
      Cert target,
      Cert anchor,
      CertPool pool,
      CrlSet crls,
      Map<String, OcspClient.Answer> ocsp,
      ValidationInputs in) {
    return new Run(pool, crls, ocsp, anchor, new Budget(limits), 0).validate(target, in, Map.of());
  }

  /** One validation: shares a budget across the target and every CRL issuer path. */
  private final class Run implements CrlSignerResolver {
    private final CertPool pool;
    private final CrlSet crls;
    private final Map<String, OcspClient.Answer> ocsp;
    private final Cert anchor;
    private final Budget budget;
    private final int depth;

    Run(
        CertPool pool,
        CrlSet crls,
        Map<String, OcspClient.Answer> ocsp,
        Cert anchor,
        Budget budget,
        int depth) {
      this.pool = pool;
      this.crls = crls;
      this.ocsp = ocsp;
      this.anchor = anchor;
      this.budget = budget;
      this.depth = depth;
    }

    Outcome validate(Cert target, ValidationInputs in, Map<String, PublicKey> inProgress) {
      Outcome[] best = {null};
      CrlChecker fromCrls = new CrlChecker(crls, this, inProgress);
      RevocationChecker checker =
          (cert, issuer, key, inputs, evidence) -> {
            RevocationStatus s = fromCrls.check(cert, issuer, key, inputs, evidence);
            OcspClient.Answer local = own == null ? null : own.answer(cert, issuer, key, inputs);
            if (local != null && !(local.status() instanceof RevocationStatus.Unknown)) {
              // Both count, revoked wins: a CRL that lists the certificate beats a "good" the
              // responder has not refreshed yet; a responder "revoked" beats a CRL not yet
              // reissued.
              evidence.add(local.evidence());
              return s instanceof RevocationStatus.IsRevoked ? s : local.status();
            }
            OcspClient.Answer a =
                s instanceof RevocationStatus.Unknown ? ocsp.get(cert.sha256()) : null;
            if (a != null) {
              evidence.add(a.evidence());
              return a.status();
            }
            return s;
          };
      boolean found =
          new PathBuilder(pool, anchor, limits.maxDepth(), budget)
              .search(
                  target,
                  path -> {
                    Outcome o = PathValidator.validate(path, in, checker);
                    if (o instanceof Outcome.Valid) {
                      best[0] = o;
                      return true;
                    }
                    if (best[0] == null || rank(o) > rank(best[0])) {
                      best[0] = o;
                    }
                    return false;
                  });
      if (found || best[0] != null) {
        return best[0];
      }
      if (budget.exhausted()) {
        return new Outcome.Indeterminate(
            Reason.PATH_DISCOVERY_LIMIT,
            "path discovery limits reached before a path was found",
            -1,
            List.of(),
            List.of());
      }
      return new Outcome.Invalid(
          Reason.NO_PATH,
          "no certification path from " + target + " to the trust anchor",
          -1,
          null,
          List.of(target),
          List.of());
    }

    @Override
    public @Nullable PublicKey signer(
        CrlInfo crl, ValidationInputs in, Map<String, PublicKey> inProgress, String[] why) {
      if (anchor.subjectKey().equals(crl.issuerKey())
          && anchor.publicKey() != null
          && crl.signedBy(anchor.publicKey(), anchor.spkiHash())) {
        if (anchor.keyUsageAllows(KeyUsage.cRLSign)) {
          return anchor.publicKey();
        }
        why[0] = "the trust anchor may not sign CRLs";
      }
      if (depth >= limits.maxCrlIssuerDepth()) {
        why[0] = "CRL issuer paths nested too deep";
        return null;
      }
      for (Cert c : pool.withSubject(crl.issuerKey())) {
        PublicKey key = c.publicKey();
        if (key == null || !crl.signedBy(key, c.spkiHash())) {
          continue;
        }
        if (!c.keyUsageAllows(KeyUsage.cRLSign)) {
          why[0] = "CRL signer " + c + " may not sign CRLs (cRLSign)";
          continue;
        }
        Map<String, PublicKey> nested = new HashMap<>(inProgress);
        nested.put(crl.id(), key);
        Outcome o =
            new Run(pool, crls, ocsp, anchor, budget, depth + 1)
                .validate(c, in.forCrlIssuer(), nested);
        if (o instanceof Outcome.Valid) {
          return key;
        }
        why[0] = "CRL signer " + c + " not valid: " + detail(o);
      }
      if (why[0] == null || why[0].equals("CRL signer not valid")) {
        why[0] = "no valid certificate for the key that signed the CRL of " + crl.issuer();
      }
      return null;
    }
  }

  private static String detail(Outcome o) {
    Reason r = reason(o);
    if (o instanceof Outcome.Invalid i) {
      return r + ": " + i.detail();
    }
    if (o instanceof Outcome.Indeterminate i) {
      return r + ": " + i.detail();
    }
    return "valid";
  }

  /** The reason code of a failure; {@code null} for a valid outcome. */
  static @Nullable Reason reason(Outcome o) {
    if (o instanceof Outcome.Invalid i) {
      return i.reason();
    }
    if (o instanceof Outcome.Indeterminate i) {
      return i.reason();
    }
    return null;
  }

  /**
   * How informative a failure is; the higher, the better it explains why the target is not valid.
   */
  static int rank(Outcome o) {
    Reason r = reason(o);
    if (r == null) {
      return 100;
    }
    return switch (r) {
      case REVOKED -> 90;
      case EXPIRED, NOT_YET_VALID -> 80;
      case REVOCATION_UNAVAILABLE -> 70;
      case POLICY, NAME_CONSTRAINTS, BASIC_CONSTRAINTS, KEY_USAGE, UNKNOWN_CRITICAL_EXTENSION -> 60;
      case UNSUPPORTED_ALGORITHM, MALFORMED -> 40;
      case NAME_CHAINING -> 30;
      case BAD_SIGNATURE -> 20;
      default -> 10;
    };
  }
}
