package io.gpki.gateway.repository;

import io.gpki.sync.AccessCount;
import io.gpki.sync.AccessTotals;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Access statistics of the repository's lookup interfaces. Every request is recorded once, with its
 * interface ({@code files}, {@code rfc4387-certs}, {@code rfc4387-crls}, {@code ldap-http}, {@code
 * ldap}), object kind ({@code crl}, {@code arl}, {@code certificate}, {@code cross-pair}, {@code
 * bundle}, {@code index}, {@code other}), outcome ({@code ok}, {@code not-found}, {@code redirect},
 * {@code client-error}, {@code busy}, {@code error}) and server-side response time: as the
 * Micrometer timer {@code gpki.repository.requests} (percentile histogram, Prometheus) and as daily
 * running totals for the SLA report.
 *
 * <p>The request path only adds to in-memory {@link LongAdder}s. With an {@link AccessTotals}
 * store, {@link #flush()} (every few seconds and at shutdown, off the request path) writes this
 * process's running totals under its instance id; a report is the stored totals of every other
 * instance plus this one's in-memory totals, so it is exact at any moment and survives restarts.
 * Without a store the totals live in memory only (400 days).
 */
public final class AccessStatistics {

  /** Interface names. */
  public static final String FILES = "files";

  public static final String RFC4387_CERTS = "rfc4387-certs";
  public static final String RFC4387_CRLS = "rfc4387-crls";
  public static final String LDAP_HTTP = "ldap-http";
  public static final String LDAP = "ldap";

  /** The timer's name. */
  public static final String METRIC = "gpki.repository.requests";

  private static final int RETAIN_DAYS = 400;
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

  /** One row of totals. */
  record Key(LocalDate day, String iface, String kind, String outcome) {}

  /** Running sums of one row since this process started. */
  static final class Cell {
    final LongAdder requests = new LongAdder();
    final LongAdder nanos = new LongAdder();

    /** Totals in the last successful write; read and written by the flush only. */
    volatile long writtenRequests;

    volatile long writtenNanos;
  }

  private final MeterRegistry meters;
  private final Clock clock;
  private final ZoneId zone;
  private final @Nullable AccessTotals store;
  private final String instance;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

  /** In-memory totals only (lost on restart). */
  public AccessStatistics(MeterRegistry meters, Clock clock, ZoneId zone) {
    this(meters, clock, zone, null);
  }

  /**
   * @param store where {@link #flush()} writes the running totals; {@code null} keeps them in
   *     memory
   */
  public AccessStatistics(
      MeterRegistry meters, Clock clock, ZoneId zone, @Nullable AccessTotals store) {
    this.meters = meters;
    this.clock = clock;
    this.zone = zone;
    this.store = store;
    // A fresh id per process: its running totals start at zero, earlier processes' rows are final.
    this.instance = UUID.randomUUID().toString();
  }

  /** Records one request. Never blocks. */
  public void record(String iface, String kind, String outcome, long nanos) {
    timers
        .computeIfAbsent(
            iface + '|' + kind + '|' + outcome,
            k ->
                Timer.builder(METRIC)
                    .description(
                        "Repository lookups: server-side time from arrival to last byte written")
                    .tags("interface", iface, "kind", kind, "outcome", outcome)
                    .publishPercentileHistogram()
                    .register(meters))
        .record(nanos, TimeUnit.NANOSECONDS);
    LocalDate day = LocalDate.ofInstant(clock.instant(), zone);
    Key key = new Key(day, iface, kind, outcome);
    Cell cell = cells.get(key);
    if (cell == null) {
      // A process keeps its own running totals of the last 400 days (the report adds them from
      // here).
      cells.keySet().removeIf(old -> old.day().isBefore(day.minusDays(RETAIN_DAYS)));
      cell = cells.computeIfAbsent(key, k -> new Cell());
    }
    cell.requests.increment();
    cell.nanos.add(nanos);
  }

  /**
   * Writes this process's running totals that changed since the last write (one statement). Without
   * a store: nothing.
   */
  public Mono<Void> flush() {
    if (store == null) {
      return Mono.empty();
    }
    return Mono.defer(
        () -> {
          Map<Key, Cell> now = Map.copyOf(cells);
          List<AccessCount> changed = new ArrayList<>();
          Map<Cell, long[]> written = new HashMap<>();
          now.forEach(
              (k, c) -> {
                // Not one atomic read: a request landing between the two sums is completed by the
                // next write.
                long n = c.nanos.sum();
                long r = c.requests.sum();
                if (r != c.writtenRequests || n != c.writtenNanos) {
                  changed.add(new AccessCount(k.day(), k.iface(), k.kind(), k.outcome(), r, n));
                  written.put(c, new long[] {r, n});
                }
              });
          return store
              .put(instance, changed)
              .timeout(STORE_TIMEOUT)
              .then(
                  Mono.fromRunnable(
                      () -> {
                        written.forEach(
                            (c, rn) -> {
                              c.writtenRequests = rn[0];
                              c.writtenNanos = rn[1];
                            });
                      }));
        });
  }

  /**
   * The totals of the days in {@code [from, to]}: stored totals of other instances plus this
   * process's in-memory running totals.
   */
  Mono<List<AccessCount>> totals(@Nullable LocalDate from, @Nullable LocalDate to) {
    Flux<AccessCount> stored =
        store == null ? Flux.empty() : store.between(from, to, instance).timeout(STORE_TIMEOUT);
    return stored
        .collectList()
        .map(
            rows -> {
              List<AccessCount> out = new ArrayList<>(rows);
              cells.forEach(
                  (k, c) -> {
                    if ((from == null || !k.day().isBefore(from))
                        && (to == null || !k.day().isAfter(to))) {
                      long n = c.nanos.sum();
                      out.add(
                          new AccessCount(
                              k.day(), k.iface(), k.kind(), k.outcome(), c.requests.sum(), n));
                    }
                  });
              return out;
            });
  }

  /** Where {@link #totals} come from, as the report names it. */
  String storage() {
    return store == null
        ? "in-memory since the last restart"
        : "PostgreSQL repository_access (every gateway process) plus this process's unwritten requests";
  }

  /** This process's instance id in the stored totals. */
  String instance() {
    return instance;
  }

  /** The object kind a repository file path serves. */
  static String fileKind(String path) {
    if (path.startsWith("/repository/crl/")) {
      return "crl";
    }
    if (path.startsWith("/repository/arl/")) {
      return "arl";
    }
    if (path.startsWith("/repository/cross/")) {
      return "cross-pair";
    }
    if (path.endsWith(".p7c")) {
      return "bundle";
    }
    if (path.endsWith(".cer")) {
      return "certificate";
    }
    return path.equals("/repository") || path.equals("/repository/") ? "index" : "other";
  }

  /** The object kind an LDAP request's attribute list asks for. */
  static String ldapKind(List<String> attributes) {
    String kind = "other";
    for (String a : attributes) {
      String base = a.toLowerCase(Locale.ROOT).split(";")[0];
      String k =
          switch (base) {
            case "certificaterevocationlist" -> "crl";
            case "authorityrevocationlist" -> "arl";
            case "crosscertificatepair" -> "cross-pair";
            case "cacertificate", "usercertificate" -> "certificate";
            default -> "other";
          };
      if (!k.equals("other")) {
        if (!kind.equals("other") && !kind.equals(k)) {
          return "mixed";
        }
        kind = k;
      }
    }
    return kind;
  }

  /** The outcome label of an HTTP status. */
  static String httpOutcome(int status) {
    if (status < 300 || status == 304) {
      return "ok";
    }
    if (status < 400) {
      return "redirect";
    }
    if (status == 404) {
      return "not-found";
    }
    if (status == 503) {
      return "busy";
    }
    return status < 500 ? "client-error" : "error";
  }

  /** The outcome label of an LDAP result code. */
  static String ldapOutcome(int code) {
    return switch (code) {
      case 0 -> "ok";
      case 10 -> "redirect";
      case 32 -> "not-found";
      case 51, 52 -> "busy";
      case 4 -> "ok"; // sizeLimitExceeded: entries were returned
      default -> code >= 80 ? "error" : "client-error";
    };
  }
}
