package io.gpki.gateway.repository;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.web.Problems;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET
 * /api/v1/operations/repository/access-report?period=daily|monthly&from=&to=&format=json|csv}: the
 * SLA access report (see {@link AccessReport}); {@code Accept: text/csv} also selects CSV.
 */
public final class AccessReportApi {

  private final AccessStatistics statistics;
  private final OperatorAccess access;

  public AccessReportApi(AccessStatistics statistics, OperatorAccess access) {
    this.statistics = statistics;
    this.access = access;
  }

  /** Serves the report. */
  public Mono<ServerResponse> report(ServerRequest request) {
    return access
        .allowed(request, OperatorAccess.Action.READ_ACCESS_REPORT)
        .flatMap(
            ok ->
                ok
                    ? render(request)
                    : Problems.response(
                        ErrorType.FORBIDDEN,
                        "operator role required for the access report",
                        request.path()));
  }

  private Mono<ServerResponse> render(ServerRequest request) {
    String period = request.queryParam("period").orElse("daily").toLowerCase(Locale.ROOT);
    if (!period.equals("daily") && !period.equals("monthly")) {
      return Problems.response(
          ErrorType.BAD_REQUEST, "period must be daily or monthly", request.path());
    }
    boolean csv =
        request.queryParam("format").map(f -> f.equalsIgnoreCase("csv")).orElse(false)
            || request.headers().accept().contains(MediaType.parseMediaType("text/csv"));
    LocalDate from;
    LocalDate to;
    try {
      from = AccessReport.date(request.queryParam("from").orElse(null));
      to = AccessReport.date(request.queryParam("to").orElse(null));
    } catch (IllegalArgumentException e) {
      return Problems.response(ErrorType.BAD_REQUEST, e.getMessage(), request.path());
    }
    boolean monthly = period.equals("monthly");
    return statistics
        .totals(from, to)
        .flatMap(
            totals -> {
              List<AccessReport.Row> rows = AccessReport.rows(totals, monthly, from, to);
              return csv
                  ? ServerResponse.ok()
                      .contentType(MediaType.parseMediaType("text/csv;charset=UTF-8"))
                      .header("Cache-Control", "no-store")
                      .bodyValue(AccessReport.csv(rows, monthly))
                  : ServerResponse.ok()
                      .contentType(MediaType.APPLICATION_JSON)
                      .header("Cache-Control", "no-store")
                      .bodyValue(AccessReport.json(rows, monthly, statistics.storage()));
            })
        .onErrorResume(
            e ->
                Problems.response(
                    ErrorType.SERVICE_UNAVAILABLE,
                    "the stored access totals cannot be read right now",
                    request.path()));
  }
}
