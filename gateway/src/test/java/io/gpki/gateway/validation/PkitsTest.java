package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every test of the NIST PKITS suite (249 runs of 224 sections) through the {@link
 * ValidationEngine} the API uses: path discovery from the untrusted certificates, RFC 5280
 * validation with the test's inputs, CRL-only hard-fail revocation. Prints {@code PKITS: N passed,
 * M failed}.
 */
class PkitsTest {

  private static final String BASE = "/testdata/pkits/";
  private static final Instant TIME = Instant.parse("2011-04-15T00:00:00Z");

  /** Tests excluded from the pass count, with the reason (also listed in docs/validation.md). */
  static final Set<String> EXCLUDED = Set.of();

  @Test
  void everyPkitsTestGivesTheExpectedVerdict() throws IOException {
    JsonNode manifest = JsonMapper.builder().build().readTree(read("manifest.json"));
    ValidationEngine engine = new ValidationEngine(Limits.defaults());
    int passed = 0;
    List<String> failures = new ArrayList<>();
    for (JsonNode t : manifest.get("tests")) {
      String id = t.get("id").asString();
      if (EXCLUDED.contains(id)) {
        continue;
      }
      Outcome o = run(engine, t);
      boolean expectValid = "valid".equals(t.get("expected").asString());
      boolean ok = expectValid == (o instanceof Outcome.Valid);
      if (ok && expectValid) {
        Set<String> expectedPolicies = new LinkedHashSet<>();
        t.get("expected_user_constrained_policy_set_oids")
            .forEach(p -> expectedPolicies.add(p.asString()));
        Set<String> got = ((Outcome.Valid) o).validPolicies();
        if (!expectedPolicies.isEmpty()
            && !got.equals(expectedPolicies)
            && !(got.equals(Set.of(PolicyState.ANY)))) {
          failures.add(
              id
                  + " "
                  + t.get("name").asString()
                  + ": policy set "
                  + got
                  + " expected "
                  + expectedPolicies);
          continue;
        }
      }
      if (ok) {
        passed++;
      } else {
        failures.add(
            id
                + " "
                + t.get("name").asString()
                + ": expected "
                + t.get("expected").asString()
                + ", got "
                + describe(o));
      }
    }
    System.out.println(
        "PKITS: "
            + passed
            + " passed, "
            + failures.size()
            + " failed"
            + (EXCLUDED.isEmpty() ? "" : ", " + EXCLUDED.size() + " excluded"));
    failures.forEach(f -> System.out.println("  FAILED " + f));
    assertThat(failures).isEmpty();
  }

  static Outcome run(ValidationEngine engine, JsonNode t) {
    Cert anchor = Cert.parse(read(t.get("trust_anchor").asString()), Source.TRUST_ANCHOR);
    List<String> chain = new ArrayList<>();
    t.get("chain").forEach(c -> chain.add(c.asString()));
    Cert target = Cert.parse(read(chain.get(chain.size() - 1)), Source.TARGET);
    CertPool pool = new CertPool(null);
    for (int i = 1; i < chain.size() - 1; i++) {
      pool.add(Cert.parse(read(chain.get(i)), Source.REQUEST));
    }
    t.get("extra_certs").forEach(c -> pool.add(Cert.parse(read(c.asString()), Source.REQUEST)));
    CrlSet crls = new CrlSet(null);
    t.get("crls").forEach(c -> crls.add(CrlInfo.parse(read(c.asString()), c.asString())));
    JsonNode s = t.get("settings");
    Set<String> initial = new LinkedHashSet<>();
    s.get("initial_policy_set_oids").forEach(p -> initial.add(p.asString()));
    ValidationInputs in =
        new ValidationInputs(
            TIME,
            initial,
            s.get("initial_explicit_policy").asBoolean(),
            s.get("initial_policy_mapping_inhibit").asBoolean(),
            s.get("initial_any_policy_inhibit").asBoolean(),
            true);
    return engine.validate(target, anchor, pool, crls, in);
  }

  static String describe(Outcome o) {
    if (o instanceof Outcome.Invalid i) {
      return "INVALID " + i.reason() + " (" + i.detail() + ")";
    }
    if (o instanceof Outcome.Indeterminate i) {
      return "INDETERMINATE " + i.reason() + " (" + i.detail() + ")";
    }
    return "VALID " + ((Outcome.Valid) o).validPolicies();
  }

  static byte[] read(String name) {
    try (InputStream in = PkitsTest.class.getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
