package io.gpki.gateway.repository;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Access statistics of the repository's lookup interfaces. Every request is recorded once, with its
 * interface ({@code files}, {@code rfc4387-certs}, {@code rfc4387-crls}, {@code ldap-http},
 * {@code ldap}), object kind ({@code crl}, {@code arl}, {@code certificate}, {@code cross-pair},
 * {@code bundle}, {@code index}, {@code other}), outcome ({@code ok}, {@code not-found},
 * {@code redirect}, {@code client-error}, {@code busy}, {@code error}) and server-side response time:
 * as the Micrometer timer {@code gpki.repository.requests} (percentile histogram, Prometheus) and as
 * in-memory daily aggregates for the SLA report. The aggregates are kept in memory only (lost on
 * restart, 400 days retained); the Prometheus series are the durable record.
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

  /** One row of aggregates. */
  record Key(LocalDate day, String iface, String kind) {}

  /** Running sums of one row. */
  static final class Cell {
    final LongAdder requests = new LongAdder();
    final LongAdder nanos = new LongAdder();
    final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  }

  private final MeterRegistry meters;
  private final Clock clock;
  private final ZoneId zone;
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<Key, Cell> cells = new ConcurrentHashMap<>();

  public AccessStatistics(MeterRegistry meters, Clock clock, ZoneId zone) {
    this.meters = meters;
    this.clock = clock;
    this.zone = zone;
  }

  /** Records one request. Never blocks. */
  public void record(String iface, String kind, String outcome, long nanos) {
    timers
        .computeIfAbsent(
            iface + '|' + kind + '|' + outcome,
            k ->
                Timer.builder(METRIC)
                    .description("Repository lookups: server-side time from arrival to last byte written")
                    .tags("interface", iface, "kind", kind, "outcome", outcome)
                    .publishPercentileHistogram()
                    .register(meters))
        .record(nanos, TimeUnit.NANOSECONDS);
    LocalDate day = LocalDate.ofInstant(clock.instant(), zone);
    Cell cell = cells.computeIfAbsent(new Key(day, iface, kind), k -> {
      cells.keySet().removeIf(old -> old.day().isBefore(day.minusDays(RETAIN_DAYS)));
      return new Cell();
    });
    cell.requests.increment();
    cell.nanos.add(nanos);
    cell.outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
  }

  /** A snapshot of the daily aggregates. */
  Map<Key, Cell> cells() {
    return Map.copyOf(cells);
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
