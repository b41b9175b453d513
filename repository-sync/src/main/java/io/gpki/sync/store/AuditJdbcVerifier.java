package io.gpki.sync.store;

import io.gpki.sync.AuditChain;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.AuditVerification;
import io.gpki.sync.DatabaseCoordinates;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Verifies the audit log over JDBC (a command-line check, blocking by design): every record's hash,
 * every link, no gaps, and every seal's signature over the hash it names. Stops at the first break.
 */
public final class AuditJdbcVerifier {

  private AuditJdbcVerifier() {}

  /** Verifies the whole log of the database. */
  public static AuditVerification verify(DatabaseCoordinates db) {
    Properties props = new Properties();
    props.setProperty("user", db.user());
    if (db.password() != null) {
      props.setProperty("password", db.password());
    }
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), props)) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      Map<Long, byte[]> hashes = new HashMap<>();
      AuditVerification chain = chain(c, hashes);
      if (!chain.ok()) {
        return chain;
      }
      return seals(c, hashes, chain);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the audit log of " + db + ": " + e.getMessage(), e);
    }
  }

  private static AuditVerification chain(Connection c, Map<Long, byte[]> hashes)
      throws SQLException {
    byte[] prev = AuditChain.genesis();
    long expected = 1;
    try (PreparedStatement st =
        c.prepareStatement("SELECT " + AuditWriter.COLUMNS + " FROM audit_log ORDER BY seq")) {
      st.setFetchSize(1000);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          long seq = rs.getLong("seq");
          if (seq != expected) {
            return broken(expected - 1, expected, "record " + expected + " is missing");
          }
          Instant at = rs.getObject("recorded_at", java.time.OffsetDateTime.class).toInstant();
          AuditEvent e =
              new AuditEvent(
                  rs.getString("type"),
                  rs.getString("source"),
                  rs.getString("actor"),
                  rs.getString("object"),
                  rs.getString("outcome"),
                  rs.getString("detail"));
          byte[] storedPrev = rs.getBytes("prev_hash");
          byte[] stored = rs.getBytes("hash");
          if (!Arrays.equals(storedPrev, prev)) {
            return broken(seq - 1, seq, "prev_hash does not match the hash of record " + (seq - 1));
          }
          if (!Arrays.equals(AuditChain.hash(prev, seq, at, e), stored)) {
            return broken(
                seq - 1, seq, "the record's content does not match its hash (record changed)");
          }
          hashes.put(seq, stored);
          prev = stored;
          expected++;
        }
      }
    }
    try (PreparedStatement st =
            c.prepareStatement("SELECT last_seq, last_hash FROM audit_head WHERE id = 1");
        ResultSet rs = st.executeQuery()) {
      if (rs.next() && (rs.getLong(1) != expected - 1 || !Arrays.equals(rs.getBytes(2), prev))) {
        return broken(
            expected - 1, rs.getLong(1), "records after " + (expected - 1) + " were removed");
      }
    }
    return new AuditVerification(expected - 1, 0, expected - 1, null, null);
  }

  private static AuditVerification seals(
      Connection c, Map<Long, byte[]> hashes, AuditVerification chain) throws SQLException {
    long count = 0;
    try (PreparedStatement st =
            c.prepareStatement(
                "SELECT seq, sealed_at, hash, algorithm, public_key, signature FROM audit_seal ORDER BY seq");
        ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        long seq = rs.getLong("seq");
        byte[] hash = rs.getBytes("hash");
        if (!Arrays.equals(hashes.get(seq), hash)) {
          return broken(
              chain.records(), seq, "seal at " + seq + " names another hash than the chain");
        }
        Instant at = rs.getObject("sealed_at", java.time.OffsetDateTime.class).toInstant();
        if (!signatureValid(
            rs.getString("algorithm"),
            rs.getBytes("public_key"),
            AuditChain.sealedBytes(seq, hash, at),
            rs.getBytes("signature"))) {
          return broken(chain.records(), seq, "the seal signature at " + seq + " does not verify");
        }
        count++;
      }
    }
    return new AuditVerification(chain.records(), count, chain.headSeq(), null, null);
  }

  private static boolean signatureValid(String algorithm, byte[] spki, byte[] data, byte[] sig) {
    try {
      String keyAlg = algorithm.toUpperCase(java.util.Locale.ROOT).contains("ECDSA") ? "EC" : "RSA";
      PublicKey key = KeyFactory.getInstance(keyAlg).generatePublic(new X509EncodedKeySpec(spki));
      Signature s = Signature.getInstance(algorithm);
      s.initVerify(key);
      s.update(data);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static AuditVerification broken(long records, long seq, String problem) {
    return new AuditVerification(records, 0, seq, seq, problem);
  }
}
