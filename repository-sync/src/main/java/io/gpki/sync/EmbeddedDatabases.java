package io.gpki.sync;

import io.gpki.sync.store.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/** Starts the {@link EmbeddedDatabase}. */
public final class EmbeddedDatabases {

  private EmbeddedDatabases() {}

  /**
   * Starts PostgreSQL with its files in {@code dataDir} and listening on 127.0.0.1:{@code port}.
   * The first call unpacks the binaries into {@code <dataDir>/pg-bin} and creates the cluster in
   * {@code <dataDir>/pg} (superuser password in {@code <dataDir>/pg-password}, mode 0600); later
   * calls reuse both, and reuse a server an earlier run left running. Creates the database {@code
   * gpki} if absent. Blocking (seconds): call at startup, off the event loop. Registers no shutdown
   * hook: the caller closes the returned database.
   *
   * @param dataDir folder for binaries, cluster, password and logs ({@code <dataDir>/pg-logs})
   * @param port TCP port on 127.0.0.1
   * @return the running server; its coordinates name the {@code gpki} database
   * @throws IllegalStateException (or {@link java.io.UncheckedIOException}) saying what to do, when
   *     the server cannot be started
   */
  public static EmbeddedDatabase start(Path dataDir, int port) {
    return EmbeddedPostgres.start(dataDir, port);
  }
}
