package io.gpki.gateway.web;

import io.gpki.gateway.ErrorType;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * At a backup center, every write route (anything but GET and HEAD) answers 503 {@code
 * backup-center} naming the master center, before any handler runs. Reads pass. The store refuses
 * writes at a backup as well (StoreException.ReadOnly maps to the same problem), so a read route
 * that writes is covered. The filter asks the center at every request: once a failover promoted
 * this center, writes pass (the center is the master now).
 */
public final class BackupWrites {

  private BackupWrites() {}

  /** The filter for a backup of {@code masterCenter} reachable at {@code masterUrl}, always. */
  public static HandlerFilterFunction<ServerResponse, ServerResponse> filter(
      String masterCenter, String masterUrl) {
    return filter(masterCenter, masterUrl, () -> true);
  }

  /**
   * The filter for a backup of {@code masterCenter} reachable at {@code masterUrl}, refusing writes
   * while {@code backup} holds (a volatile read: the center's role).
   */
  public static HandlerFilterFunction<ServerResponse, ServerResponse> filter(
      String masterCenter, String masterUrl, java.util.function.BooleanSupplier backup) {
    String detail =
        "this center is a backup of "
            + masterCenter
            + "; send writes to the master center "
            + masterCenter
            + " ("
            + masterUrl
            + ")";
    return (request, next) -> {
      HttpMethod m = request.method();
      if (HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || !backup.getAsBoolean()) {
        return next.handle(request);
      }
      return Problems.response(ErrorType.BACKUP_CENTER, detail, request.path());
    };
  }
}
