package io.gpki.gateway.repository;

import io.gpki.sync.AccessCount;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daily or monthly SLA access report: per period, interface and object kind the request count,
 * outcome counts and the mean response time exactly as the SLA defines it (sum of server-side
 * response times divided by the number of requests), as JSON or CSV. Both formats print the same
 * decimal values: the total exactly, the mean rounded half-even to the nanosecond.
 */
final class AccessReport {

  private static final JsonMapper MAPPER =
      JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private AccessReport() {}

  /**
   * One report row.
   *
   * @param totalNanos sum of the server-side response times
   */
  record Row(
      String period,
      String iface,
      String kind,
      long requests,
      long totalNanos,
      Map<String, Long> outcomes) {

    /** The sum of response times in milliseconds, exact (nanosecond resolution). */
    BigDecimal totalMillis() {
      return BigDecimal.valueOf(totalNanos, 6);
    }

    /**
     * The SLA mean: sum of response times / number of requests, in milliseconds rounded half-even
     * to the nanosecond; 0 without requests.
     */
    BigDecimal meanMillis() {
      return requests == 0
          ? BigDecimal.ZERO.setScale(6)
          : BigDecimal.valueOf(totalNanos)
              .divide(BigDecimal.valueOf(requests), 0, RoundingMode.HALF_EVEN)
              .movePointLeft(6)
              .setScale(6, RoundingMode.UNNECESSARY);
    }
  }

  /**
   * Groups totals by period, interface and kind.
   *
   * @param monthly group by month instead of day
   * @param from first day included, or {@code null}
   * @param to last day included, or {@code null}
   */
  static List<Row> rows(
      List<AccessCount> totals, boolean monthly, @Nullable LocalDate from, @Nullable LocalDate to) {
    record Group(String period, String iface, String kind) {}
    Map<String, long[]> sums = new TreeMap<>();
    Map<String, Map<String, Long>> outcomes = new TreeMap<>();
    Map<String, Group> groups = new TreeMap<>();
    for (AccessCount c : totals) {
      if ((from != null && c.day().isBefore(from)) || (to != null && c.day().isAfter(to))) {
        continue;
      }
      String period = monthly ? YearMonth.from(c.day()).toString() : c.day().toString();
      String id = period + '|' + c.iface() + '|' + c.kind();
      groups.putIfAbsent(id, new Group(period, c.iface(), c.kind()));
      long[] s = sums.computeIfAbsent(id, x -> new long[2]);
      s[0] += c.requests();
      s[1] += c.responseNanos();
      outcomes
          .computeIfAbsent(id, x -> new TreeMap<>())
          .merge(c.outcome(), c.requests(), Long::sum);
    }
    List<Row> rows = new ArrayList<>();
    groups.forEach(
        (id, g) -> {
          long[] s = Objects.requireNonNull(sums.get(id));
          rows.add(
              new Row(
                  g.period(),
                  g.iface(),
                  g.kind(),
                  s[0],
                  s[1],
                  outcomes.getOrDefault(id, Map.of())));
        });
    return rows;
  }

  /**
   * @param storage where the totals come from, for the reader
   */
  static byte[] json(List<Row> rows, boolean monthly, String storage) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(monthly ? "month" : "day", r.period());
      m.put("interface", r.iface());
      m.put("kind", r.kind());
      m.put("requests", r.requests());
      m.put("meanResponseMillis", r.meanMillis());
      m.put("totalResponseMillis", r.totalMillis());
      m.put("totalResponseNanos", r.totalNanos());
      m.put("outcomes", r.outcomes());
      out.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("period", monthly ? "monthly" : "daily");
    body.put("meanDefinition", "sum of server-side response times / number of requests");
    body.put("storage", storage);
    body.put("rows", out);
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
  }

  static byte[] csv(List<Row> rows, boolean monthly) {
    TreeSet<String> names = new TreeSet<>();
    rows.forEach(r -> names.addAll(r.outcomes().keySet()));
    StringBuilder sb =
        new StringBuilder(monthly ? "month" : "day")
            .append(
                ",interface,kind,requests,mean_response_ms,total_response_ms,total_response_ns");
    names.forEach(n -> sb.append(",outcome_").append(n.replace('-', '_')));
    sb.append("\r\n");
    for (Row r : rows) {
      sb.append(r.period())
          .append(',')
          .append(r.iface())
          .append(',')
          .append(r.kind())
          .append(',')
          .append(r.requests())
          .append(',')
          .append(r.meanMillis().toPlainString())
          .append(',')
          .append(r.totalMillis().toPlainString())
          .append(',')
          .append(r.totalNanos());
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
