package io.gpki.sync;

import org.jspecify.annotations.Nullable;

/**
 * Where a PostgreSQL database is and how to log in. The password is held only in memory; it comes
 * from a file or the embedded server and is never logged ({@link #toString()} hides it).
 *
 * @param host host name or address
 * @param port TCP port
 * @param database database name
 * @param user user name
 * @param password password, or {@code null} for trust authentication
 */
public record DatabaseCoordinates(
    String host, int port, String database, String user, @Nullable String password) {

  /** The JDBC URL (used only by migrations, which run off the event loop). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** The same server with another database. */
  public DatabaseCoordinates withDatabase(String otherDatabase) {
    return new DatabaseCoordinates(host, port, otherDatabase, user, password);
  }

  /**
   * Parses {@code postgresql://host:port/db}, {@code r2dbc:postgresql://...} or {@code
   * jdbc:postgresql://...}, with optional {@code user[:password]@} and {@code
   * ?user=..&password=..}.
   */
  public static DatabaseCoordinates parse(
      String url, @Nullable String defaultUser, @Nullable String password) {
    String rest = url.trim();
    for (String prefix : new String[] {"jdbc:", "r2dbc:"}) {
      if (rest.startsWith(prefix)) {
        rest = rest.substring(prefix.length());
      }
    }
    if (rest.startsWith("postgres://")) {
      rest = "postgresql://" + rest.substring("postgres://".length());
    }
    if (!rest.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "database URL must look like postgresql://host:port/database, got: " + redact(url));
    }
    rest = rest.substring("postgresql://".length());
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String user = defaultUser;
    String pass = password;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      user = colon >= 0 ? userInfo.substring(0, colon) : userInfo;
      if (colon >= 0 && pass == null) {
        pass = userInfo.substring(colon + 1);
      }
    }
    for (String param : query.split("&", -1)) {
      int eq = param.indexOf('=');
      if (eq > 0) {
        String key = param.substring(0, eq);
        String value = param.substring(eq + 1);
        if (key.equals("user")) {
          user = value;
        } else if (key.equals("password") && pass == null) {
          pass = value;
        }
      }
    }
    int slash = rest.indexOf('/');
    String hostPort = slash >= 0 ? rest.substring(0, slash) : rest;
    String db = slash >= 0 ? rest.substring(slash + 1) : "postgres";
    int port = 5432;
    String host = hostPort;
    int colon = hostPort.lastIndexOf(':');
    if (colon > 0 && !hostPort.endsWith("]")) {
      host = hostPort.substring(0, colon);
      port = Integer.parseInt(hostPort.substring(colon + 1));
    }
    if (host.isEmpty()) {
      host = "127.0.0.1";
    }
    if (db.isEmpty()) {
      db = "postgres";
    }
    return new DatabaseCoordinates(host, port, db, user == null ? "postgres" : user, pass);
  }

  private static String redact(String url) {
    return url.replaceAll("://[^@/]*@", "://***@").replaceAll("password=[^&]*", "password=***");
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
