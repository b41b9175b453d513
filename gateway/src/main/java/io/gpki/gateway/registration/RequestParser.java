package io.gpki.gateway.registration;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import io.gpki.signer.CertificateProfile;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The format check of the signed request content (JSON). Everything that can be checked without the
 * database happens here, before acceptance; each failure names its field.
 */
public final class RequestParser {

  /** End-entity profiles an LRA may ever ask for (the LRA's own list narrows it). */
  static final Set<CertificateProfile> LRA_PROFILES =
      Set.of(
          CertificateProfile.OFFICIAL_SIGNING,
          CertificateProfile.USER_SIGNING,
          CertificateProfile.ENCRYPTION,
          CertificateProfile.SERVER_TLS);

  /**
   * Reasons a request may carry (no certificateHold, no removeFromCRL); LraIntake narrows it for
   * LRAs.
   */
  static final Set<Integer> REASONS = Set.of(0, 1, 2, 3, 4, 5, 9, 10);

  /** Reasons an LRA may give; cACompromise and aACompromise are for emergency revocation only. */
  static final Set<Integer> LRA_REASONS = Set.of(0, 1, 3, 4, 5, 9);

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{8,128}");
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,40}");
  private static final JsonMapper JSON = RegistrationJson.mapper();
  private static final int MAX_SANS = 20;

  private final Duration defaultValidity;
  private final Duration maxValidity;

  public RequestParser(Duration defaultValidity, Duration maxValidity) {
    this.defaultValidity = defaultValidity;
    this.maxValidity = maxValidity;
  }

  /** Parses and checks signed content. */
  public LraRequest parse(byte[] content) {
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (JacksonException e) {
      throw bad("body", "the signed content is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw bad("body", "the signed content must be a JSON object");
    }
    String type = required(root, "type");
    String key = required(root, "idempotencyKey");
    if (!KEY.matcher(key).matches()) {
      throw bad("idempotencyKey", "8 to 128 characters of A-Z a-z 0-9 . _ : -");
    }
    String ca = text(root, "ca", false);
    Instant signedAt = Objects.requireNonNull(instant(root, "signedAt", true));
    return switch (type) {
      case "issue" -> issue(root, key, ca, signedAt);
      case "revoke" -> revoke(root, key, ca, signedAt);
      default -> throw bad("type", "must be issue or revoke");
    };
  }

  private LraRequest.Issue issue(JsonNode root, String key, @Nullable String ca, Instant signedAt) {
    String profileName = required(root, "profile");
    CertificateProfile profile;
    try {
      profile = CertificateProfile.valueOf(profileName);
    } catch (IllegalArgumentException e) {
      throw bad("profile", "unknown profile " + profileName);
    }
    if (!LRA_PROFILES.contains(profile)) {
      throw bad("profile", profileName + " is not an LRA profile");
    }
    PKCS10CertificationRequest csr = null;
    ServerKeyAlgorithm generate = null;
    X500Name subject;
    JsonNode keyGeneration = root.get("keyGeneration");
    if (keyGeneration == null || keyGeneration.isNull()) {
      csr = csr(required(root, "csr"));
      subject = csr.getSubject();
      if (root.get("subject") != null) {
        throw bad("subject", "comes from the CSR; give it only with keyGeneration");
      }
    } else {
      if (root.get("csr") != null) {
        throw bad("keyGeneration", "give either csr or keyGeneration, not both");
      }
      String alg = keyGeneration.isObject() ? keyGeneration.path("algorithm").asString("") : "";
      generate =
          ServerKeyAlgorithm.byLabel(alg)
              .orElseThrow(
                  () ->
                      bad("keyGeneration", "algorithm must be one of RSA-2048, RSA-3072, EC-P256"));
      subject = subject(required(root, "subject"));
    }
    Duration validity = defaultValidity;
    JsonNode days = root.get("validityDays");
    if (days != null && !days.isNull()) {
      if (!days.isIntegralNumber() || days.asLong() < 1) {
        throw bad("validityDays", "must be a positive whole number");
      }
      validity = Duration.ofDays(days.asLong());
      if (validity.compareTo(maxValidity) > 0) {
        throw bad("validityDays", "at most " + maxValidity.toDays());
      }
    }
    return new LraRequest.Issue(
        key,
        ca,
        signedAt,
        csr,
        subject,
        generate,
        profile,
        validity,
        sans(root.get("subjectAltNames")));
  }

  private static LraRequest.Revoke revoke(
      JsonNode root, String key, @Nullable String ca, Instant signedAt) {
    String serial = required(root, "serial").toLowerCase(Locale.ROOT);
    if (!SERIAL.matcher(serial).matches()) {
      throw bad("serial", "must be hex, at most 40 digits");
    }
    serial = new BigInteger(serial, 16).toString(16);
    JsonNode reasonNode = root.get("reason");
    if (reasonNode == null
        || !reasonNode.isIntegralNumber()
        || !REASONS.contains(reasonNode.asInt())) {
      throw bad("reason", "must be one of " + REASONS + " (RFC 5280 CRLReason)");
    }
    return new LraRequest.Revoke(
        key, ca, signedAt, serial, reasonNode.asInt(), instant(root, "invalidityDate", false));
  }

  static PKCS10CertificationRequest csr(String base64) {
    PKCS10CertificationRequest csr;
    try {
      csr = new PKCS10CertificationRequest(Base64.getDecoder().decode(base64));
    } catch (Exception e) { // IllegalArgumentException, IOException, ClassCast from bad ASN.1
      throw bad("csr", "not a base64 DER PKCS#10 certification request");
    }
    boolean valid;
    try {
      valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey(csr)));
    } catch (Exception e) {
      valid = false;
    }
    if (!valid) {
      throw bad("csr", "proof of possession failed: the request's signature does not verify");
    }
    if (csr.getSubject().getRDNs().length == 0) {
      throw bad("csr", "the subject name is empty");
    }
    return csr;
  }

  /** An explicit subject name (RFC 4514, as X500Principal reads it), for server-generated keys. */
  static X500Name subject(String rfc4514) {
    X500Name name;
    try {
      name = X500Name.getInstance(new X500Principal(rfc4514).getEncoded());
    } catch (IllegalArgumentException e) {
      throw bad("subject", "not an RFC 4514 distinguished name");
    }
    if (name.getRDNs().length == 0) {
      throw bad("subject", "the subject name is empty");
    }
    return name;
  }

  /** The request's key as a JCA key (by algorithm name: the JDK does not resolve every key OID). */
  static java.security.PublicKey publicKey(PKCS10CertificationRequest csr) throws Exception {
    var algorithm = csr.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm();
    String name =
        algorithm.equals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey)
            ? "EC"
            : algorithm.equals(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.rsaEncryption)
                ? "RSA"
                : algorithm.getId();
    return java.security.KeyFactory.getInstance(name)
        .generatePublic(
            new java.security.spec.X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
  }

  private static List<GeneralName> sans(@Nullable JsonNode node) {
    List<GeneralName> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray() || node.size() > MAX_SANS) {
      throw bad("subjectAltNames", "must be an array of at most " + MAX_SANS + " strings");
    }
    for (JsonNode n : node) {
      String v = n.isString() ? n.asString() : "";
      if (v.startsWith("dns:") && v.length() > 4 && v.length() < 260) {
        out.add(new GeneralName(GeneralName.dNSName, v.substring(4).toLowerCase(Locale.ROOT)));
      } else if (v.startsWith("email:") && v.indexOf('@') > 6 && v.length() < 260) {
        out.add(new GeneralName(GeneralName.rfc822Name, v.substring(6).toLowerCase(Locale.ROOT)));
      } else {
        throw bad("subjectAltNames", "entries look like dns:<name> or email:<address>");
      }
    }
    return out;
  }

  private static String required(JsonNode root, String field) {
    String value = text(root, field, true);
    if (value == null) {
      throw bad(field, "is required");
    }
    return value;
  }

  private static @Nullable String text(JsonNode root, String field, boolean required) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw bad(field, "is required");
      }
      return null;
    }
    if (!n.isString() || n.asString().isBlank()) {
      throw bad(field, "must be a non-empty string");
    }
    return n.asString();
  }

  private static @Nullable Instant instant(JsonNode root, String field, boolean required) {
    String s = text(root, field, required);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw bad(field, "must be an RFC 3339 UTC time like 2026-01-31T09:00:00Z");
    }
  }

  static PkiException bad(String field, String message) {
    return new PkiException(ErrorType.BAD_REQUEST, field + ": " + message);
  }
}
