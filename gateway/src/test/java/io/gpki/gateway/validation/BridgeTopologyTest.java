package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Path discovery over a generated bridge topology: 60 CAs, each cross-certified with the bridge in
 * both directions (a cycle per CA), plus a ring of CA-to-CA cross-certificates (more cycles) and a
 * chain of subordinate CAs. Discovery must find the shortest valid path, stay fast, and terminate
 * when no path exists or every path is invalid.
 */
class BridgeTopologyTest {

  private static final int CAS = 60;
  private static final Instant TIME = Instant.parse("2030-01-01T00:00:00Z");
  private static final String BRIDGE_POLICY = "2.999.1.1";

  static TestCa bridge;
  static List<TestCa> cas = new ArrayList<>();
  static CertPool pool;
  static List<CrlInfo> crls = new ArrayList<>();

  @BeforeAll
  static void topology() {
    bridge = new TestCa("Bridge");
    List<Cert> certs = new ArrayList<>();
    for (int i = 0; i < CAS; i++) {
      TestCa ca = new TestCa("CA " + i);
      cas.add(ca);
      String own = policy(i);
      certs.add(
          bridge.certify(
              ca, List.of(BRIDGE_POLICY), List.<String[]>of(new String[] {BRIDGE_POLICY, own})));
      certs.add(
          ca.certify(bridge, List.of(own), List.<String[]>of(new String[] {own, BRIDGE_POLICY})));
    }
    for (int i = 0; i < CAS; i++) {
      TestCa a = cas.get(i);
      TestCa b = cas.get((i + 1) % CAS);
      certs.add(
          a.certify(
              b,
              List.of(policy(i)),
              List.<String[]>of(new String[] {policy(i), policy((i + 1) % CAS)})));
    }
    pool = CertPool.of(certs);
    crls.add(bridge.crl(List.of()));
    cas.forEach(ca -> crls.add(ca.crl(List.of())));
  }

  static String policy(int i) {
    return "2.999.2." + i;
  }

  private static ValidationInputs inputs() {
    return ValidationInputs.defaults(TIME);
  }

  @Test
  void findsThePathThroughTheBridgeQuickly() {
    TestCa anchorCa = cas.get(0);
    TestCa far = cas.get(CAS / 2);
    Cert ee = far.endEntity("Far Subscriber", List.of(policy(CAS / 2)));
    ValidationEngine engine = new ValidationEngine(Limits.defaults());
    long start = System.nanoTime();
    Outcome o = engine.validate(ee, anchorCa.selfSigned, pool, CrlSet.of(crls), inputs());
    long firstMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(o).isInstanceOf(Outcome.Valid.class);
    // anchor -> bridge -> far CA -> EE: the shortest path, not a walk around the ring
    assertThat(o.path()).hasSize(4);
    assertThat(((Outcome.Valid) o).validPolicies()).containsExactly(policy(0));
    start = System.nanoTime();
    int runs = 200;
    for (int i = 0; i < runs; i++) {
      assertThat(engine.validate(ee, anchorCa.selfSigned, pool, CrlSet.of(crls), inputs()))
          .isInstanceOf(Outcome.Valid.class);
    }
    double avgMs = (System.nanoTime() - start) / 1e6 / runs;
    System.out.printf(
        "topology: %d CAs, %d certs; first %d ms, then %.2f ms per validation%n",
        CAS, pool.all().size(), firstMs, avgMs);
    assertThat(avgMs).isLessThan(50);
  }

  @Test
  void usesTheRingWhenTheBridgeIsNotTrusted() {
    TestCa anchorCa = cas.get(5);
    Cert ee = cas.get(8).endEntity("Ring Subscriber", List.of(policy(8)));
    Outcome o =
        new ValidationEngine(Limits.defaults())
            .validate(ee, anchorCa.selfSigned, pool, CrlSet.of(crls), inputs());
    assertThat(o).isInstanceOf(Outcome.Valid.class);
    assertThat(o.path()).hasSizeLessThanOrEqualTo(4);
  }

  @Test
  void terminatesWithNoPathForAnUnconnectedIssuer() {
    TestCa stranger = new TestCa("Stranger");
    Cert ee = stranger.endEntity("Nobody", List.of());
    long start = System.nanoTime();
    Outcome o =
        new ValidationEngine(Limits.defaults())
            .validate(ee, cas.get(0).selfSigned, pool, CrlSet.of(crls), inputs());
    assertThat(o).isInstanceOf(Outcome.Invalid.class);
    assertThat(((Outcome.Invalid) o).reason()).isEqualTo(Reason.NO_PATH);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void terminatesWithinBudgetWhenEveryPathFails() {
    // Require a policy nobody asserts: every one of the many paths through the cycles fails.
    Cert ee = cas.get(30).endEntity("Wrong Policy", List.of(policy(30)));
    ValidationInputs in = new ValidationInputs(TIME, Set.of("2.999.9.9"), true, false, false, true);
    long start = System.nanoTime();
    Outcome o =
        new ValidationEngine(Limits.defaults())
            .validate(ee, cas.get(0).selfSigned, pool, CrlSet.of(crls), in);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.println(
        "topology: all paths invalid, gave up after "
            + took.toMillis()
            + " ms: "
            + PkitsTest.describe(o));
    assertThat(o).isNotInstanceOf(Outcome.Valid.class);
    assertThat(ValidationEngine.reason(o)).isIn(Reason.POLICY, Reason.PATH_DISCOVERY_LIMIT);
    assertThat(took).as("the 2 s discovery budget bounds it").isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void reportsARevokedSubscriberFoundThroughDiscovery() {
    TestCa issuer = cas.get(12);
    Cert ee = issuer.endEntity("Revoked Subscriber", List.of(policy(12)));
    List<CrlInfo> lists = new ArrayList<>(crls);
    lists.removeIf(c -> c.issuer().equals(issuer.name));
    lists.add(issuer.crl(List.of(ee)));
    Outcome o =
        new ValidationEngine(Limits.defaults())
            .validate(ee, cas.get(0).selfSigned, pool, CrlSet.of(lists), inputs());
    assertThat(o).isInstanceOf(Outcome.Invalid.class);
    Outcome.Invalid inv = (Outcome.Invalid) o;
    assertThat(inv.reason()).isEqualTo(Reason.REVOKED);
    assertThat(inv.revoked().reason()).isEqualTo("keyCompromise");
  }

  @Test
  void neverVisitsANodeTwiceOnAPath() {
    Cert ee = cas.get(40).endEntity("Loop Check", List.of(policy(40)));
    Budget budget = new Budget(Limits.defaults());
    List<List<Cert>> seen = new ArrayList<>();
    new PathBuilder(pool, cas.get(0).selfSigned, 10, budget)
        .search(
            ee,
            p -> {
              seen.add(p);
              return seen.size() >= 30;
            });
    assertThat(seen).isNotEmpty();
    for (List<Cert> p : seen) {
      assertThat(p.stream().map(Cert::nodeId).distinct().count()).isEqualTo(p.size());
    }
    assertThat(seen.get(0)).hasSize(4);
  }
}
