package io.gpki.sync;

import io.r2dbc.pool.ConnectionPoolException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.IdentityHashMap;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Tells a store that cannot answer right now (server down or unreachable, pool exhausted or closed,
 * a timeout, a transient server condition) from a store that refused or failed a request. Callers
 * answer the first kind "try later" (HTTP 503 with Retry-After, OCSP tryLater), never as an
 * internal error: retrying the same request can succeed once the database is back.
 *
 * <p>The store's R2DBC and Spring types stay behind this class, so callers need not know them.
 */
public final class StoreFailures {

  /** Causes are followed at most this deep (a guard against pathological chains). */
  private static final int MAX_DEPTH = 16;

  private StoreFailures() {}

  /** Whether {@code e} or any of its causes says the store is unavailable for now. */
  public static boolean unavailable(@Nullable Throwable e) {
    IdentityHashMap<Throwable, Boolean> seen = new IdentityHashMap<>();
    Throwable t = e;
    for (int depth = 0;
        t != null && depth < MAX_DEPTH && seen.put(t, Boolean.TRUE) == null;
        depth++) {
      if (unavailableItself(t)) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }

  private static boolean unavailableItself(Throwable t) {
    // Spring's translation: "Failed to obtain R2DBC Connection", query timeouts, deadlocks, ...
    return t instanceof DataAccessResourceFailureException
        || t instanceof TransientDataAccessException
        || t instanceof RecoverableDataAccessException
        // R2DBC: connection refused or closed, server shutting down (57P01), too many connections
        // (53300), statement timeouts and other transient conditions
        || t instanceof R2dbcNonTransientResourceException
        || t instanceof R2dbcTransientException
        || t instanceof ConnectionPoolException
        // reactor-pool: acquire timed out (a TimeoutException), pool shut down or its queue full
        || t instanceof TimeoutException
        || t instanceof reactor.pool.PoolShutdownException
        || t instanceof reactor.pool.PoolAcquirePendingLimitException
        || t instanceof ConnectException
        || t instanceof ClosedChannelException;
  }
}
