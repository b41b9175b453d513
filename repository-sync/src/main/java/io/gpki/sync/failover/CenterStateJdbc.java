package io.gpki.sync.failover;

import io.gpki.sync.DatabaseCoordinates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The start and the clean stop of a center, over JDBC: they run once on the main thread (start,
 * after the migrations) and on the shutdown thread (stop), never on an event loop.
 */
final class CenterStateJdbc {

  private CenterStateJdbc() {}

  static Connection connect(DatabaseCoordinates db) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", db.user());
    if (db.password() != null) {
      props.setProperty("password", db.password());
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "30");
    return DriverManager.getConnection(db.jdbcUrl(), props);
  }

  /** Creates the row at the first start, fences after an unclean stop, and sets {@code running}. */
  static CenterView start(DatabaseCoordinates db, CenterSettings settings, Instant now) {
    try (Connection c = connect(db)) {
      c.setAutoCommit(false);
      CenterView stored = read(c);
      CenterView view;
      if (stored == null) {
        view = new CenterView(settings.centerId(), settings.initialRole(), 1, null, now);
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO center_state (id, center_id, role, epoch, running, fenced_reason, updated_at)"
                    + " VALUES (1, ?, ?, 1, true, NULL, ?)")) {
          ps.setString(1, view.centerId());
          ps.setString(2, view.role().name());
          ps.setTimestamp(3, Timestamp.from(now));
          ps.executeUpdate();
        }
        if (view.role() == CenterRole.MASTER) {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO epoch_history (epoch, center_id, first_seq, kind, reason, started_at)"
                      + " VALUES (1, ?, 1, 'INITIAL', 'first start', ?) ON CONFLICT (epoch) DO NOTHING")) {
            ps.setString(1, view.centerId());
            ps.setTimestamp(2, Timestamp.from(now));
            ps.executeUpdate();
          }
        }
      } else {
        if (!stored.centerId().equals(settings.centerId())) {
          throw new IllegalStateException(
              "gpki.center.id is '"
                  + settings.centerId()
                  + "' but this database belongs to center '"
                  + stored.centerId()
                  + "'");
        }
        // Another replica of this center still running explains the flag: not an unclean stop.
        boolean unclean = wasRunning(c) && otherReplicas(c) == 0;
        view = stored;
        if (unclean && stored.role() == CenterRole.MASTER && settings.fenceOnUncleanStop()) {
          view =
              new CenterView(
                  stored.centerId(),
                  CenterRole.FENCED,
                  stored.epoch(),
                  "stopped uncleanly (state of "
                      + stored.updatedAt()
                      + "); fenced until the peer confirms"
                      + " no higher epoch exists or two operators unfence it",
                  now);
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE center_state SET running = true, role = ?, fenced_reason = ?, updated_at = ? WHERE id = 1")) {
          ps.setString(1, view.role().name());
          ps.setString(2, view.fencedReason());
          ps.setTimestamp(3, Timestamp.from(view.updatedAt()));
          ps.executeUpdate();
        }
      }
      c.commit();
      return view;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read or write the center state of " + db + ": " + e.getMessage(), e);
    }
  }

  /**
   * Clears {@code running} (the next start knows this stop was clean), unless another replica of
   * this center still runs (it holds a leader session); this replica's own session is closed by
   * then.
   */
  static void stop(DatabaseCoordinates db) {
    try (Connection c = connect(db)) {
      if (otherReplicas(c) > 0) {
        return;
      }
      try (PreparedStatement ps =
          c.prepareStatement("UPDATE center_state SET running = false WHERE id = 1")) {
        ps.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot record the clean stop of the center: " + e.getMessage(), e);
    }
  }

  /** Replicas of this center alive now: each keeps a leader session ({@link LeaderLock}). */
  static long otherReplicas(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name LIKE 'gpki-leader-%' AND pid <> pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean wasRunning(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement("SELECT running FROM center_state WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  private static @Nullable CenterView read(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT center_id, role, epoch, fenced_reason, updated_at FROM center_state WHERE id = 1 FOR UPDATE");
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return null;
      }
      return new CenterView(
          rs.getString(1),
          CenterRole.valueOf(rs.getString(2)),
          rs.getLong(3),
          rs.getString(4),
          rs.getTimestamp(5).toInstant());
    }
  }
}
