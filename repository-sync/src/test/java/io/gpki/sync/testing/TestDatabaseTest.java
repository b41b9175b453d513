package io.gpki.sync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.DatabaseCoordinates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestDatabaseTest {

  @Test
  void serverIsChosenOncePerJvm() {
    assertThat(TestDatabase.server()).isSameAs(TestDatabase.server());
  }

  @Test
  void freshDatabasesAreDistinctConnectableAndIsolated() throws SQLException {
    DatabaseCoordinates first = TestDatabase.freshDatabase();
    DatabaseCoordinates second = TestDatabase.freshDatabase();

    assertThat(first.database()).startsWith("gpki_test_").isNotEqualTo(second.database());
    assertThat(first.withDatabase("x")).isEqualTo(second.withDatabase("x"));
    try (Connection a = TestDatabase.connect(first);
        Statement statement = a.createStatement()) {
      statement.execute("CREATE TABLE only_in_first (id int)");
      assertThat(currentDatabase(a)).isEqualTo(first.database());
    }
    try (Connection b = TestDatabase.connect(second);
        Statement statement = b.createStatement();
        ResultSet rows = statement.executeQuery("SELECT to_regclass('only_in_first') IS NULL")) {
      assertThat(currentDatabase(b)).isEqualTo(second.database());
      assertThat(rows.next()).isTrue();
      assertThat(rows.getBoolean(1))
          .as("table of the first database is absent in the second")
          .isTrue();
    }
  }

  private static String currentDatabase(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT current_database()")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
