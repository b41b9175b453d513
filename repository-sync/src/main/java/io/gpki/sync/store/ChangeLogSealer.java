package io.gpki.sync.store;

import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.DatabaseCoordinates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Chains entries written before schema V7 (NULL hash), once, at startup after the migrations and
 * before anything writes: under the head row's lock, in seq order, with schema version 1.
 * Afterwards every entry from seq 1 is chained, so a backup can verify the whole log. Blocking
 * (JDBC).
 */
final class ChangeLogSealer {

  private ChangeLogSealer() {}

  /** Returns how many entries it sealed. */
  static int seal(DatabaseCoordinates db) {
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      c.setAutoCommit(false);
      int sealed = 0;
      try (Statement s = c.createStatement()) {
        s.executeQuery("SELECT last_seq FROM change_log_head WHERE id = 1 FOR UPDATE").close();
        byte[] prev = ChangeLogChain.genesis();
        try (ResultSet first =
            s.executeQuery("SELECT min(seq) FROM change_log WHERE hash IS NULL")) {
          first.next();
          long from = first.getLong(1);
          if (first.wasNull()) {
            c.rollback();
            return 0;
          }
          try (PreparedStatement p =
              c.prepareStatement("SELECT hash FROM change_log WHERE seq = ?")) {
            p.setLong(1, from - 1);
            try (ResultSet r = p.executeQuery()) {
              if (r.next() && r.getBytes(1) != null) {
                prev = r.getBytes(1);
              }
            }
          }
        }
        try (PreparedStatement read =
                c.prepareStatement(
                    "SELECT seq, epoch, schema_version, entity, entity_key, op, payload::text FROM change_log"
                        + " WHERE hash IS NULL ORDER BY seq");
            PreparedStatement write =
                c.prepareStatement("UPDATE change_log SET prev_hash = ?, hash = ? WHERE seq = ?");
            ResultSet r = read.executeQuery()) {
          while (r.next()) {
            long seq = r.getLong(1);
            byte[] hash =
                ChangeLogChain.hash(
                    r.getShort(3),
                    r.getLong(2),
                    seq,
                    prev,
                    r.getString(4),
                    r.getString(5),
                    r.getString(6),
                    r.getString(7));
            write.setBytes(1, prev);
            write.setBytes(2, hash);
            write.setLong(3, seq);
            write.addBatch();
            prev = hash;
            sealed++;
          }
          write.executeBatch();
        }
        try (PreparedStatement head =
            c.prepareStatement(
                "UPDATE change_log_head SET last_hash = (SELECT hash FROM change_log ORDER BY seq DESC LIMIT 1)"
                    + " WHERE id = 1")) {
          head.executeUpdate();
        }
      }
      c.commit();
      return sealed;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot seal the change log: " + e.getMessage(), e);
    }
  }
}
