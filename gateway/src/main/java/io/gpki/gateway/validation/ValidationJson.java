package io.gpki.gateway.validation;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON shape of the validation API (docs/openapi/validation.yaml): request parsing and
 * rendering.
 */
final class ValidationJson {

  static final JsonMapper MAPPER = JsonMapper.builder().build();
  private static final int MAX_POLICIES = 32;

  private final ValidationProperties props;

  ValidationJson(ValidationProperties props) {
    this.props = props;
  }

  /** Parses a JSON body into a tree; malformed JSON is a bad request. */
  static JsonNode tree(byte[] body) {
    try {
      JsonNode n = MAPPER.readTree(body);
      if (n == null || !n.isObject()) {
        throw bad("the body must be a JSON object");
      }
      return n;
    } catch (JacksonException e) {
      throw bad("malformed JSON: " + e.getOriginalMessage());
    }
  }

  /** One validation request object. */
  ValidationRequest request(JsonNode n, Instant now) {
    Cert target = cert(required(n, "certificate"), Source.TARGET, "certificate");
    List<Cert> intermediates =
        list(
            n.get("intermediates"),
            "intermediates",
            props.maxIntermediates(),
            (v) -> cert(v, Source.REQUEST, "intermediates"));
    Instant time = n.hasNonNull("validationTime") ? instant(n.get("validationTime")) : now;
    String anchor =
        n.hasNonNull("trustAnchor")
            ? string(n.get("trustAnchor"), "trustAnchor")
            : props.trustAnchors().get(0);
    Set<String> policies =
        new LinkedHashSet<>(
            list(n.get("initialPolicies"), "initialPolicies", MAX_POLICIES, v -> oid(v)));
    ValidationInputs in =
        new ValidationInputs(
            time,
            policies,
            bool(n, "explicitPolicy"),
            bool(n, "inhibitPolicyMapping"),
            bool(n, "inhibitAnyPolicy"),
            true);
    ValidationRequest.TestCenter tc = null;
    JsonNode t = n.get("testCenter");
    if (t != null && !t.isNull()) {
      if (!props.testCenter()) {
        throw bad("test-center mode is not enabled on this server");
      }
      tc =
          new ValidationRequest.TestCenter(
              list(
                  t.get("trustAnchors"),
                  "testCenter.trustAnchors",
                  16,
                  v -> cert(v, Source.TRUST_ANCHOR, "trustAnchors")),
              list(t.get("crls"), "testCenter.crls", 256, v -> crl(v)));
      if (tc.anchors().isEmpty()) {
        throw bad("testCenter.trustAnchors must name at least one certificate");
      }
    }
    return new ValidationRequest(target, intermediates, anchor, in, tc);
  }

  /** Renders a result. */
  static ObjectNode render(ValidationResult r) {
    ObjectNode out = MAPPER.createObjectNode();
    Outcome o = r.outcome();
    out.put("status", o.verdict());
    ArrayNode reasons = out.putArray("reasons");
    List<Cert> path = o.path();
    int n = path.size();
    if (o instanceof Outcome.Invalid i) {
      ObjectNode x = reasons.addObject().put("code", i.reason().name()).put("detail", i.detail());
      index(x, i.certIndex(), n);
      if (i.revoked() != null) {
        x.put("revocationReason", i.revoked().reason())
            .put("revocationDate", i.revoked().revocationDate().toString());
      }
    } else if (o instanceof Outcome.Indeterminate i) {
      index(
          reasons.addObject().put("code", i.reason().name()).put("detail", i.detail()),
          i.certIndex(),
          n);
    }
    out.put("trustAnchor", r.anchorId());
    out.put("validationTime", r.validationTime().toString());
    ArrayNode p = out.putArray("path");
    for (int k = n - 1; k >= 0; k--) {
      Cert c = path.get(k);
      p.addObject()
          .put("subject", c.subjectDisplay())
          .put("issuer", c.issuerDisplay())
          .put("serial", c.serialHex())
          .put("source", c.source().name())
          .put("notBefore", c.notBefore().toString())
          .put("notAfter", c.notAfter().toString())
          .put("sha256", c.sha256());
    }
    ArrayNode ev = out.putArray("revocation");
    for (RevocationEvidence e : o.evidence()) {
      ObjectNode x =
          ev.addObject()
              .put("certificateSerial", e.certificateSerial())
              .put("kind", e.kind())
              .put("issuer", e.issuer())
              .put("location", e.location())
              .put("thisUpdate", e.thisUpdate().toString());
      if (e.number() != null) {
        x.put("crlNumber", e.number().toString());
      }
      if (e.nextUpdate() != null) {
        x.put("nextUpdate", e.nextUpdate().toString());
      }
      if (e.producedAt() != null) {
        x.put("producedAt", e.producedAt().toString());
      }
      if (e.responderCertificate() != null) {
        x.put("responderCertificate", e.responderCertificate());
      }
    }
    ArrayNode policies = out.putArray("validPolicies");
    if (o instanceof Outcome.Valid v) {
      v.validPolicies().stream().sorted().forEach(policies::add);
    }
    if (!r.fetchProblems().isEmpty()) {
      ArrayNode fp = out.putArray("fetchProblems");
      r.fetchProblems().forEach(fp::add);
    }
    return out;
  }

  /** Path index in the response order (target first). */
  private static void index(ObjectNode x, int engineIndex, int n) {
    if (engineIndex >= 0 && engineIndex < n) {
      x.put("certificateIndex", n - 1 - engineIndex);
    }
  }

  static Cert cert(JsonNode v, Source source, String field) {
    try {
      return Cert.parseCached(decode(string(v, field), "CERTIFICATE", field), source);
    } catch (IllegalArgumentException e) {
      throw bad(field + ": " + e.getMessage());
    }
  }

  private static CrlInfo crl(JsonNode v) {
    try {
      return CrlInfo.parse(decode(string(v, "crls"), "X509 CRL", "crls"), "request");
    } catch (IllegalArgumentException e) {
      throw bad("testCenter.crls: " + e.getMessage());
    }
  }

  /** Base64 DER, or PEM with the given label. */
  static byte[] decode(String text, String pemLabel, String field) {
    String s = text.trim();
    if (s.startsWith("-----BEGIN")) {
      int start = s.indexOf('\n');
      int end = s.indexOf("-----END");
      if (start < 0 || end < start) {
        throw bad(field + ": malformed PEM");
      }
      s = s.substring(start, end);
    }
    try {
      return Base64.getMimeDecoder().decode(s.getBytes(StandardCharsets.US_ASCII));
    } catch (IllegalArgumentException e) {
      throw bad(field + ": neither base64 DER nor PEM (" + pemLabel + ")");
    }
  }

  private static <T> List<T> list(
      @Nullable JsonNode v, String field, int max, Function<JsonNode, T> item) {
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw bad(field + " must be an array");
    }
    if (v.size() > max) {
      throw bad(field + " has more than " + max + " entries");
    }
    List<T> out = new ArrayList<>();
    v.forEach(x -> out.add(item.apply(x)));
    return out;
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw bad(field + " is required");
    }
    return v;
  }

  private static String string(JsonNode v, String field) {
    if (!v.isString()) {
      throw bad(field + " must be a string");
    }
    return v.stringValue();
  }

  private static boolean bool(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw bad(field + " must be true or false");
    }
    return v.booleanValue();
  }

  static Instant instant(JsonNode v) {
    try {
      return Instant.parse(string(v, "validationTime"));
    } catch (DateTimeParseException e) {
      throw bad("validationTime must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z");
    }
  }

  static String oid(JsonNode v) {
    String s = string(v, "initialPolicies");
    if (!s.matches("^[0-2](\\.[0-9]{1,20}){1,40}$")) {
      throw bad("initialPolicies: not an OID: " + s);
    }
    return s;
  }

  static PkiException bad(String detail) {
    return new PkiException(ErrorType.BAD_REQUEST, detail);
  }
}
