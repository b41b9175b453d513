package io.gpki.sync;

/**
 * A PostgreSQL server run from real PostgreSQL binaries (taken from Maven Central) with its data in
 * a local folder, so a one-command start needs no installed database. When the JVM runs as root,
 * the database processes run as an unprivileged user, since PostgreSQL refuses to run as root.
 */
public interface EmbeddedDatabase extends AutoCloseable {

  /** Coordinates of the running server's application database. */
  DatabaseCoordinates coordinates();

  /**
   * Starts the server again on the same port when it is no longer running (it was killed or
   * crashed; PostgreSQL recovers from its WAL, so nothing committed is lost). Does nothing once
   * closed. Blocking (seconds): call it off any event loop.
   *
   * @return whether the server had to be started
   * @throws IllegalStateException when it was down and could not be started
   */
  boolean ensureRunning();

  /** Stops the server (fast shutdown); the data stays. */
  @Override
  void close();
}
