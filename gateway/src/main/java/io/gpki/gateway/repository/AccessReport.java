package io.gpki.gateway.repository;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daily or monthly SLA access report: per period, interface and object kind the request count,
 * outcome counts and the mean response time exactly as the SLA defines it (sum of server-side
 * response times divided by the number of requests), as JSON or CSV.
 */
final class AccessReport {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private AccessReport() {}

  /** One report row. */
  record Row(String period, String iface, String kind, long requests, double meanMillis, double sumMillis,
      Map<String, Long> outcomes) {}

  /**
   * Aggregates the daily cells.
   *
   * @param monthly group by month instead of day
   * @param from first day included, or {@code null}
   * @param to last day included, or {@code null}
   */
  static List<Row> rows(Map<AccessStatistics.Key, AccessStatistics.Cell> cells, boolean monthly,
      @Nullable LocalDate from, @Nullable LocalDate to) {
    record Group(String period, String iface, String kind) {}
    Map<String, long[]> sums = new TreeMap<>();
    Map<String, Map<String, Long>> outcomes = new TreeMap<>();
    Map<String, Group> groups = new TreeMap<>();
    cells.forEach(
        (k, c) -> {
          if ((from != null && k.day().isBefore(from)) || (to != null && k.day().isAfter(to))) {
            return;
          }
          String period = monthly ? YearMonth.from(k.day()).toString() : k.day().toString();
          String id = period + '|' + k.iface() + '|' + k.kind();
          groups.putIfAbsent(id, new Group(period, k.iface(), k.kind()));
          long[] s = sums.computeIfAbsent(id, x -> new long[2]);
          s[0] += c.requests.sum();
          s[1] += c.nanos.sum();
          Map<String, Long> o = outcomes.computeIfAbsent(id, x -> new TreeMap<>());
          c.outcomes.forEach((name, n) -> o.merge(name, n.sum(), Long::sum));
        });
    List<Row> rows = new ArrayList<>();
    groups.forEach(
        (id, g) -> {
          long[] s = sums.get(id);
          double sumMillis = s[1] / 1e6;
          rows.add(new Row(g.period(), g.iface(), g.kind(), s[0], s[0] == 0 ? 0 : sumMillis / s[0], sumMillis, outcomes.get(id)));
        });
    return rows;
  }

  static byte[] json(List<Row> rows, boolean monthly) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(monthly ? "month" : "day", r.period());
      m.put("interface", r.iface());
      m.put("kind", r.kind());
      m.put("requests", r.requests());
      m.put("meanResponseMillis", r.meanMillis());
      m.put("totalResponseMillis", r.sumMillis());
      m.put("outcomes", r.outcomes());
      out.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("period", monthly ? "monthly" : "daily");
    body.put("meanDefinition", "sum of server-side response times / number of requests");
    body.put("storage", "in-memory since the last restart");
    body.put("rows", out);
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
  }

  static byte[] csv(List<Row> rows, boolean monthly) {
    TreeSet<String> names = new TreeSet<>();
    rows.forEach(r -> names.addAll(r.outcomes().keySet()));
    StringBuilder sb = new StringBuilder(monthly ? "month" : "day")
        .append(",interface,kind,requests,mean_response_ms,total_response_ms");
    names.forEach(n -> sb.append(",outcome_").append(n.replace('-', '_')));
    sb.append("\r\n");
    for (Row r : rows) {
      sb.append(r.period()).append(',').append(r.iface()).append(',').append(r.kind()).append(',')
          .append(r.requests()).append(',').append(String.format(java.util.Locale.ROOT, "%.3f", r.meanMillis()))
          .append(',').append(String.format(java.util.Locale.ROOT, "%.3f", r.sumMillis()));
      names.forEach(n -> sb.append(',').append(r.outcomes().getOrDefault(n, 0L)));
      sb.append("\r\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static @Nullable LocalDate date(@Nullable String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("dates are YYYY-MM-DD: " + s);
    }
  }
}
