package io.gpki.sync.store;

import io.gpki.sync.CertificateStatusReader;
import io.gpki.sync.Revocation;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Readable;
import java.util.Objects;
import java.util.Set;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import reactor.core.publisher.Flux;

/**
 * The certificate status snapshot over R2DBC: the change-log head and the certificate rows read in
 * one read-only REPEATABLE READ transaction, so both come from the same database snapshot. A
 * mutation and its change-log entry commit together, hence the rows hold exactly the changes up to
 * that head.
 */
public final class R2dbcCertificateStatusReader implements CertificateStatusReader {

  /** Rows per round trip: the driver fetches the next batch only when the subscriber asks. */
  static final int FETCH_SIZE = 1_000;

  // The pool's 30 s statement timeout fits lookups, not a stream of millions of rows; this bounds a
  // snapshot that stalls instead (a lost subscriber still releases the connection on cancel).
  private static final String SNAPSHOT_TIMEOUT = "SET LOCAL statement_timeout = '15min'";

  private static final String COLUMNS =
      "issuer_ca_id, issuer_generation, serial_hex, profile, not_after, revoked_at, revocation_reason,"
          + " invalidity_date, CASE WHEN profile = ANY(:profiles) THEN der END AS der";

  private final DatabaseClient db;
  private final TransactionalOperator snapshotTx;
  private final int fetchSize;

  public R2dbcCertificateStatusReader(ConnectionFactory connections) {
    this(connections, FETCH_SIZE);
  }

  /** With another batch size (tests use small ones to cross batch boundaries with few rows). */
  R2dbcCertificateStatusReader(ConnectionFactory connections, int fetchSize) {
    this.fetchSize = fetchSize;
    this.db = DatabaseClient.create(connections);
    DefaultTransactionDefinition def = new DefaultTransactionDefinition();
    def.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    def.setReadOnly(true);
    this.snapshotTx = TransactionalOperator.create(new R2dbcTransactionManager(connections), def);
  }

  @Override
  public Flux<Item> snapshot(Set<String> derOfProfiles) {
    String[] profiles = derOfProfiles.toArray(String[]::new);
    Flux<Item> work =
        db.sql(SNAPSHOT_TIMEOUT)
            .then()
            // The head is the transaction's first read: it fixes the snapshot the rows come from.
            .thenMany(
                Flux.concat(
                    db.sql("SELECT last_seq FROM change_log_head WHERE id = 1")
                        .map(r -> (Item) new Position(Objects.requireNonNull(r.get(0, Long.class))))
                        .one(),
                    db.sql("SELECT " + COLUMNS + " FROM certificate")
                        .bind("profiles", profiles)
                        .filter(s -> s.fetchSize(fetchSize))
                        .map(R2dbcCertificateStatusReader::status)
                        .all()));
    return snapshotTx.transactional(work);
  }

  private static Item status(Readable r) {
    Revocation revocation = Rows.revocation(r);
    return new Status(
        Rows.str(r, "issuer_ca_id"),
        Objects.requireNonNull(r.get("issuer_generation", Integer.class)),
        Rows.str(r, "serial_hex"),
        Rows.str(r, "profile"),
        Rows.instant(r, "not_after"),
        revocation,
        r.get("der") == null ? null : Rows.bytes(r, "der"));
  }
}
