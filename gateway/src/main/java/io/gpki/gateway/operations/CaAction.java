package io.gpki.gateway.operations;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.gateway.registration.SignedBodies;
import io.gpki.signer.CertificateTemplate.PolicyMapping;
import io.gpki.signer.KeySpec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A CA-critical action under two-person control, other than emergency revocation (see {@link
 * EmergencyRevocations.Scope}): parsed from the signed request, and parsed again from the stored
 * request when it is approved and executed.
 */
sealed interface CaAction {

  /** Every action name two-person control knows. */
  Set<String> ACTIONS =
      Set.of(
          "EMERGENCY_REVOKE_CA",
          "EMERGENCY_REVOKE_CA_KEY",
          "CA_KEY_GENERATE",
          "CA_KEY_ACTIVATE",
          "CROSS_CERTIFICATE_ISSUE",
          "CROSS_CERTIFICATE_REVOKE",
          "FAILOVER",
          "UNFENCE",
          "SWITCHOVER");

  /** No CA: the action concerns the center (FAILOVER, UNFENCE, SWITCHOVER). */
  String CENTER = "";

  /**
   * Promotes this BACKUP center to MASTER at a new epoch (the master center is lost). The requester
   * attests that the master is withdrawn (DNS or load balancer switched, its HSM deactivated).
   */
  record Failover(String reason, String attestation) implements CaAction {
    @Override
    public String action() {
      return "FAILOVER";
    }

    @Override
    public String caId() {
      return CENTER;
    }

    @Override
    public String summary() {
      return "fail over to this center: " + reason + "; master withdrawn: " + attestation;
    }
  }

  /** Lets a FENCED center (a master that stopped uncleanly) write again at its epoch. */
  record Unfence(String reason) implements CaAction {
    @Override
    public String action() {
      return "UNFENCE";
    }

    @Override
    public String caId() {
      return CENTER;
    }

    @Override
    public String summary() {
      return "unfence this center: " + reason;
    }
  }

  /**
   * Hands the master role over to {@code target}, this center's caught-up BACKUP (failback after
   * the old master center is restored, or a planned move): this MASTER stops writing and sends its
   * demotion token over the replication stream; the target applies exactly up to it and promotes
   * itself at epoch + 1.
   */
  record Switchover(String target, String reason) implements CaAction {
    @Override
    public String action() {
      return "SWITCHOVER";
    }

    @Override
    public String caId() {
      return CENTER;
    }

    @Override
    public String summary() {
      return "hand the master role over to " + target + ": " + reason;
    }
  }

  /** The action name. */
  String action();

  /** The CA that acts (issues, rolls over, revokes). */
  String caId();

  /** A one-line description for the audit log. */
  String summary();

  /** A new key generation for one of our self-signed CAs, with link certificates; not activated. */
  record KeyGenerate(String caId, KeySpec spec, int validityDays) implements CaAction {
    @Override
    public String action() {
      return "CA_KEY_GENERATE";
    }

    @Override
    public String summary() {
      return "new "
          + spec
          + " key for "
          + caId
          + ", self-signed for "
          + validityDays
          + " days, with links";
    }
  }

  /** Makes a prepared key generation the one that signs new certificates and lists. */
  record KeyActivate(String caId, int generation) implements CaAction {
    @Override
    public String action() {
      return "CA_KEY_ACTIVATE";
    }

    @Override
    public String summary() {
      return "activate key generation " + generation + " of " + caId;
    }
  }

  /** A cross-certificate from our bridge to a CA given by its CA certificate. */
  record CrossIssue(
      String caId,
      byte[] subjectCertificate,
      List<String> policies,
      List<PolicyMapping> mappings,
      @Nullable Integer pathLength,
      @Nullable Integer requireExplicitPolicy,
      @Nullable Integer inhibitPolicyMapping,
      List<String> permittedSubtrees,
      List<String> excludedSubtrees,
      int validityDays)
      implements CaAction {
    @Override
    public String action() {
      return "CROSS_CERTIFICATE_ISSUE";
    }

    @Override
    public String summary() {
      return "cross-certificate by "
          + caId
          + " for "
          + validityDays
          + " days, policies "
          + policies
          + ", mappings "
          + mappings.stream()
              .map(m -> m.issuerDomainPolicy() + "->" + m.subjectDomainPolicy())
              .toList()
          + (pathLength == null ? "" : ", pathLen " + pathLength)
          + (permittedSubtrees.isEmpty() ? "" : ", permitted " + permittedSubtrees)
          + (excludedSubtrees.isEmpty() ? "" : ", excluded " + excludedSubtrees);
    }
  }

  /** Revocation of a cross-certificate our CA issued (it then appears in the issuer's ARL). */
  record CrossRevoke(String caId, String serialHex, int reason) implements CaAction {
    @Override
    public String action() {
      return "CROSS_CERTIFICATE_REVOKE";
    }

    @Override
    public String summary() {
      return "revoke cross-certificate " + caId + "/" + serialHex + " reason " + reason;
    }
  }

  /** Reasons a cross-certificate revocation may give (RFC 5280; no hold, no removeFromCRL). */
  Set<Integer> CROSS_REASONS = Set.of(0, 1, 2, 3, 4, 5);

  /** Parses one of this interface's actions; others are not for here. */
  static CaAction parse(JsonNode body, String headerKey) {
    SignedBodies.sameKey(body, headerKey);
    String action = body.path("action").asString("");
    if (action.equals("FAILOVER")) {
      return new Failover(text(body, "reason"), text(body, "attestation"));
    }
    if (action.equals("UNFENCE")) {
      return new Unfence(text(body, "reason"));
    }
    if (action.equals("SWITCHOVER")) {
      String target = text(body, "target");
      if (!Pattern.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}", target)) {
        throw bad("target", "must be a center id");
      }
      return new Switchover(target, text(body, "reason"));
    }
    String ca = body.path("ca").asString("");
    if (ca.isBlank()) {
      throw bad("ca", "is required");
    }
    return switch (action) {
      case "CA_KEY_GENERATE" ->
          new KeyGenerate(
              ca, keySpec(body.path("keySpec").asString("RSA_2048")), days(body, 3650, 365, 7300));
      case "CA_KEY_ACTIVATE" -> new KeyActivate(ca, positive(body, "keyGeneration", 1));
      case "CROSS_CERTIFICATE_ISSUE" -> crossIssue(body, ca);
      case "CROSS_CERTIFICATE_REVOKE" -> {
        String serial = body.path("serial").asString("").toLowerCase(Locale.ROOT);
        if (!Pattern.matches("[0-9a-f]{1,40}", serial)) {
          throw bad("serial", "must be hex, at most 40 digits");
        }
        int reason = body.path("reason").asInt(-1);
        if (!CROSS_REASONS.contains(reason)) {
          throw bad("reason", "must be one of " + CROSS_REASONS);
        }
        yield new CrossRevoke(ca, new BigInteger(serial, 16).toString(16), reason);
      }
      default -> throw bad("action", "must be one of " + ACTIONS);
    };
  }

  private static CrossIssue crossIssue(JsonNode body, String ca) {
    byte[] der;
    try {
      der = Base64.getDecoder().decode(body.path("subjectCertificate").asString(""));
      org.bouncycastle.asn1.x509.Certificate.getInstance(der);
    } catch (RuntimeException e) {
      throw bad("subjectCertificate", "must be the base64 DER of the CA's certificate");
    }
    if (der.length == 0) {
      throw bad("subjectCertificate", "is required");
    }
    List<String> policies = oids(body.get("policies"), "policies");
    if (policies.isEmpty()) {
      throw bad("policies", "at least one issuer-domain policy OID");
    }
    List<PolicyMapping> mappings = new ArrayList<>();
    JsonNode m = body.get("policyMappings");
    if (m != null && !m.isNull()) {
      if (!m.isArray()) {
        throw bad(
            "policyMappings", "must be an array of {issuerDomainPolicy, subjectDomainPolicy}");
      }
      for (JsonNode n : m) {
        String i = n.path("issuerDomainPolicy").asString("");
        String s = n.path("subjectDomainPolicy").asString("");
        if (!oid(i) || !oid(s)) {
          throw bad("policyMappings", "issuerDomainPolicy and subjectDomainPolicy must be OIDs");
        }
        mappings.add(new PolicyMapping(i, s));
      }
    }
    return new CrossIssue(
        ca,
        der,
        policies,
        mappings,
        optional(body, "pathLength"),
        optional(body, "requireExplicitPolicy"),
        optional(body, "inhibitPolicyMapping"),
        names(body.get("permittedSubtrees"), "permittedSubtrees"),
        names(body.get("excludedSubtrees"), "excludedSubtrees"),
        days(body, 1825, 1, 3650));
  }

  private static String text(JsonNode body, String field) {
    String v = body.path(field).asString("").strip();
    if (v.isEmpty() || v.length() > 1000) {
      throw bad(field, "is required (at most 1000 characters)");
    }
    return v;
  }

  private static KeySpec keySpec(String name) {
    try {
      return KeySpec.valueOf(name.replace('-', '_').toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("keySpec", "must be RSA_2048, RSA_3072 or EC_P256");
    }
  }

  private static int days(JsonNode body, int dflt, int min, int max) {
    JsonNode n = body.get("validityDays");
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
      throw bad("validityDays", "a whole number from " + min + " to " + max);
    }
    return n.asInt();
  }

  private static int positive(JsonNode body, String field, int min) {
    JsonNode n = body.get(field);
    if (n == null || !n.isIntegralNumber() || n.asInt() < min) {
      throw bad(field, "must be a whole number of at least " + min);
    }
    return n.asInt();
  }

  private static @Nullable Integer optional(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() ? null : positive(body, field, 0);
  }

  private static List<String> oids(@Nullable JsonNode n, String field) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw bad(field, "must be an array of OIDs");
    }
    for (JsonNode x : n) {
      if (!oid(x.asString(""))) {
        throw bad(field, "must be an array of OIDs");
      }
      out.add(x.asString());
    }
    return out;
  }

  private static List<String> names(@Nullable JsonNode n, String field) {
    List<String> out = new ArrayList<>();
    if (n == null || n.isNull()) {
      return out;
    }
    if (!n.isArray()) {
      throw bad(field, "must be an array of RFC 4514 names");
    }
    for (JsonNode x : n) {
      try {
        new javax.security.auth.x500.X500Principal(x.asString(""));
      } catch (IllegalArgumentException e) {
        throw bad(field, "must be an array of RFC 4514 names");
      }
      out.add(x.asString());
    }
    return out;
  }

  private static boolean oid(String s) {
    return Pattern.matches("[0-2](\\.(0|[1-9][0-9]{0,17})){1,30}", s);
  }

  private static PkiException bad(String field, String message) {
    return new PkiException(ErrorType.BAD_REQUEST, field + ": " + message);
  }
}
