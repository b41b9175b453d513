package io.gpki.sync.failover;

import io.gpki.sync.ChangeRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.store.ConnectionPools;
import io.gpki.sync.store.R2dbcCertificateLookup;
import io.gpki.sync.store.R2dbcReplication;
import io.r2dbc.pool.ConnectionPool;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The divergent tail of an old master that returns after a failover without a demotion token: every
 * change-log record it wrote after the fork point on record at the new master (the previous epoch's
 * last seq and chain hash in the new epoch's {@code epoch_history} row), which never replicated.
 * Grouped for the operators who reconcile it (certificates issued, revocations, lists published,
 * journal, audit, the rest), each with the full record (row image, DER). Nothing of it is discarded
 * or merged here: the report is written before the center is rebuilt from the new master.
 *
 * <p>The JSON ({@link #json()}) is the content the operators' command line signs (a detached CMS
 * SignedData: the gateway's {@code DrQuarantine}).
 */
public final class QuarantineReport {

  private static final HexFormat HEX = HexFormat.of();
  private static final int PAGE = 1000;

  /**
   * The fork point as the new master recorded it.
   *
   * @param newEpoch the epoch the new master started
   * @param newMaster the new master center
   * @param seq the previous epoch's last seq the new master applied
   * @param hash the chain hash there
   */
  public record ForkPoint(long newEpoch, String newMaster, long seq, byte[] hash) {}

  /** One record of the tail, as the old master's change log holds it. */
  public record Entry(
      long seq,
      long epoch,
      String entity,
      String key,
      String op,
      Instant recordedAt,
      String hash,
      String payload) {}

  private final String centerId;
  private final String role;
  private final long epoch;
  private final ForkPoint fork;
  private final @Nullable String localHashAtFork;
  private final long headSeq;
  private final Instant createdAt;
  private final Map<String, List<Entry>> sections;

  private QuarantineReport(
      String centerId,
      String role,
      long epoch,
      ForkPoint fork,
      @Nullable String localHashAtFork,
      long headSeq,
      Instant createdAt,
      Map<String, List<Entry>> sections) {
    this.centerId = centerId;
    this.role = role;
    this.epoch = epoch;
    this.fork = fork;
    this.localHashAtFork = localHashAtFork;
    this.headSeq = headSeq;
    this.createdAt = createdAt;
    this.sections = sections;
  }

  /**
   * Reads the tail of the old master's database. Refused unless the center there is not MASTER and
   * its epoch is below the new master's (a center that may still write has no fixed tail).
   */
  public static Mono<QuarantineReport> collect(
      DatabaseCoordinates db, ForkPoint fork, Clock clock) {
    return collect(db, localEpoch -> fork, clock);
  }

  /**
   * As above, the fork point chosen once this center's epoch is known (e.g. the new master's
   * epoch-history row of the epoch after it).
   */
  public static Mono<QuarantineReport> collect(
      DatabaseCoordinates db, java.util.function.LongFunction<ForkPoint> forkAfter, Clock clock) {
    return Mono.usingWhen(
        Mono.fromSupplier(() -> ConnectionPools.open(db, "gpki-quarantine", 1, 2)),
        pool -> {
          R2dbcReplication store = store(pool, clock);
          return store.center().flatMap(c -> collect(store, forkAfter.apply(c.epoch()), clock));
        },
        ConnectionPool::disposeLater);
  }

  private static R2dbcReplication store(ConnectionPool pool, Clock clock) {
    return new R2dbcReplication(
        pool,
        clock,
        new R2dbcCertificateLookup(pool, io.gpki.sync.CertificateLookupKeys.NONE),
        Schedulers.immediate()); // verifies nothing here: the tail is read, never applied
  }

  static Mono<QuarantineReport> collect(R2dbcReplication store, ForkPoint fork, Clock clock) {
    return store
        .center()
        .flatMap(
            c -> {
              if ("MASTER".equals(c.role())) {
                return Mono.error(
                    new FailoverException(
                        "center "
                            + c.centerId()
                            + " is MASTER: fence it (or stop it) before reporting its tail"));
              }
              if (c.epoch() >= fork.newEpoch()) {
                return Mono.error(
                    new FailoverException(
                        "center "
                            + c.centerId()
                            + " is at epoch "
                            + c.epoch()
                            + ", not below the new master's "
                            + fork.newEpoch()
                            + ": it is no old master of that epoch"));
              }
              Mono<@Nullable String> atFork =
                  fork.seq() == 0
                      ? Mono.just(HEX.formatHex(io.gpki.sync.ChangeLogChain.genesis()))
                      : store.after(fork.seq() - 1, 1).next().map(r -> HEX.formatHex(r.hash()));
              return Mono.zip(
                      atFork.map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty()),
                      store.head(),
                      tail(store, fork.seq()).collectList())
                  .map(
                      t ->
                          new QuarantineReport(
                              String.valueOf(c.centerId()),
                              c.role(),
                              c.epoch(),
                              fork,
                              t.getT1().orElse(null),
                              t.getT2().seq(),
                              clock.instant(),
                              group(t.getT3())));
            });
  }

  private static Flux<ChangeRecord> tail(R2dbcReplication store, long after) {
    return store
        .after(after, PAGE)
        .collectList()
        .expand(
            page ->
                page.size() < PAGE
                    ? Mono.empty()
                    : store.after(page.get(page.size() - 1).seq(), PAGE).collectList())
        .concatMapIterable(page -> page);
  }

  private static Map<String, List<Entry>> group(List<ChangeRecord> records) {
    Map<String, List<Entry>> out = new TreeMap<>();
    for (String s :
        List.of("certificates", "revocations", "crls", "journal", "audit", "approvals", "other")) {
      out.put(s, new ArrayList<>());
    }
    for (ChangeRecord r : records) {
      String section =
          switch (r.entity()) {
            case "CERTIFICATE" -> "certificates";
            case "REVOCATION" -> "revocations";
            case "CRL" -> "crls";
            case "JOURNAL", "SERVER_KEY" -> "journal";
            case "AUDIT", "AUDIT_SEAL" -> "audit";
            case "APPROVAL" -> "approvals";
            default -> "other";
          };
      Objects.requireNonNull(out.get(section))
          .add(
              new Entry(
                  r.seq(),
                  r.epoch(),
                  r.entity(),
                  r.entityKey(),
                  r.op(),
                  r.recordedAt(),
                  HEX.formatHex(r.hash()),
                  r.payload()));
    }
    return out;
  }

  /** The tail's records of one section (certificates, revocations, crls, journal, audit, ...). */
  public List<Entry> section(String name) {
    return List.copyOf(Objects.requireNonNullElse(sections.get(name), List.of()));
  }

  /** How many records the tail holds. */
  public int size() {
    return sections.values().stream().mapToInt(List::size).sum();
  }

  /**
   * Whether this center's record at the fork seq has the new master's chain hash: true when the
   * histories agree up to the fork (the usual case); false means the report starts at a seq the new
   * master never held as this center wrote it, and the whole tail after the last common record must
   * be reconciled (compare the change logs).
   */
  public boolean forkMatches() {
    return localHashAtFork != null && localHashAtFork.equals(HEX.formatHex(fork.hash()));
  }

  /** The report as JSON (UTF-8): this is the signed content. */
  public byte[] json() {
    StringBuilder b = new StringBuilder(4096);
    b.append("{\"format\":\"gpki-quarantine-report/1\"");
    field(b, "center", centerId);
    field(b, "role", role);
    b.append(",\"epoch\":").append(epoch);
    b.append(",\"createdAt\":").append(quote(createdAt.toString()));
    b.append(",\"forkPoint\":{\"newEpoch\":").append(fork.newEpoch());
    field(b, "newMaster", fork.newMaster());
    b.append(",\"seq\":").append(fork.seq());
    field(b, "hash", HEX.formatHex(fork.hash()));
    b.append(",\"localHash\":").append(localHashAtFork == null ? "null" : quote(localHashAtFork));
    b.append(",\"matches\":").append(forkMatches()).append('}');
    b.append(",\"localHeadSeq\":").append(headSeq);
    b.append(",\"divergentRecords\":").append(size());
    b.append(",\"sections\":{");
    boolean firstSection = true;
    for (Map.Entry<String, List<Entry>> s : sections.entrySet()) {
      b.append(firstSection ? "" : ",").append(quote(s.getKey())).append(":[");
      firstSection = false;
      boolean first = true;
      for (Entry e : s.getValue()) {
        b.append(first ? "" : ",").append("{\"seq\":").append(e.seq());
        first = false;
        b.append(",\"epoch\":").append(e.epoch());
        field(b, "entity", e.entity());
        field(b, "key", e.key());
        field(b, "op", e.op());
        field(b, "recordedAt", e.recordedAt().toString());
        field(b, "hash", e.hash());
        // jsonb's canonical text is JSON: embedded as is, the row image and DER included.
        b.append(",\"payload\":").append(e.payload()).append('}');
      }
      b.append(']');
    }
    b.append("}}\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append(',').append(quote(name)).append(':').append(quote(value));
  }

  private static String quote(String s) {
    StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\r' -> q.append("\\r");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20) {
            q.append(String.format("\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }

  /** For logs. */
  @Override
  public String toString() {
    return "quarantine report of "
        + centerId
        + ": "
        + size()
        + " record(s) after seq "
        + fork.seq()
        + " (fork of epoch "
        + fork.newEpoch()
        + " at "
        + fork.newMaster()
        + ")";
  }
}
