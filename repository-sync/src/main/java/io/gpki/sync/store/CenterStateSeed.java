package io.gpki.sync.store;

import io.gpki.sync.DatabaseCoordinates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Declares this center's id and configured role in center_state when the row is absent (first
 * start), at startup over JDBC, before anything writes. An existing row wins: it is the fencing
 * state the failover module maintains (a promoted backup is MASTER whatever its old configuration
 * said). Blocking: call on the main thread at startup.
 */
public final class CenterStateSeed {

  private CenterStateSeed() {}

  /** Returns the role in effect (the stored one). */
  public static String declare(DatabaseCoordinates db, String centerId, String role) {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      try (PreparedStatement p =
          c.prepareStatement(
              "INSERT INTO center_state (id, center_id, role, epoch, running, updated_at)"
                  + " VALUES (1, ?, ?, 1, false, now()) ON CONFLICT (id) DO NOTHING")) {
        p.setString(1, centerId);
        p.setString(2, role);
        p.executeUpdate();
      }
      try (PreparedStatement p = c.prepareStatement("SELECT role FROM center_state WHERE id = 1");
          ResultSet r = p.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read or declare center_state: " + e.getMessage(), e);
    }
  }
}
