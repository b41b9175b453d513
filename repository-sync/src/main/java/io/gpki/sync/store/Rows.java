package io.gpki.sync.store;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.ChangeLogEntry;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.Revocation;
import io.r2dbc.spi.Readable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Column lists and row mappers. Columns are always listed; never {@code SELECT *}. */
final class Rows {

  static final String CA_COLUMNS =
      "id, display_name, role, subject_dn, subject_der, policy_oid, current_generation, created_at, updated_at";
  static final String KEY_COLUMNS =
      "ca_id, generation, key_id, key_source, public_key, key_ident, created_at";
  static final String CERT_COLUMNS =
      "id, issuer_ca_id, issuer_generation, serial_hex, kind, profile, subject_ca_id, is_ca, subject_dn,"
          + " subject_der, issuer_dn, not_before, not_after, subject_key_ident, spki_sha256, sha1, sha256,"
          + " der, issued_at, label, revoked_at, revocation_reason, invalidity_date";
  static final String CRL_COLUMNS =
      "id, ca_id, scope, crl_number, this_update, next_update, signer_key_id, entry_count, sha256, der";
  static final String PAIR_COLUMNS =
      "id, owner_ca_id, peer_ca_id, forward_cert_id, reverse_cert_id, der, updated_at";
  static final String LOG_COLUMNS = "seq, recorded_at, entity, entity_key, op, payload";

  private Rows() {}

  static CaRecord ca(Readable r) {
    return new CaRecord(
        str(r, "id"),
        str(r, "display_name"),
        str(r, "role"),
        str(r, "subject_dn"),
        bytes(r, "subject_der"),
        r.get("policy_oid", String.class),
        Objects.requireNonNull(r.get("current_generation", Integer.class)),
        instant(r, "created_at"),
        instant(r, "updated_at"));
  }

  static CaKeyRecord key(Readable r) {
    return new CaKeyRecord(
        str(r, "ca_id"),
        Objects.requireNonNull(r.get("generation", Integer.class)),
        str(r, "key_id"),
        str(r, "key_source"),
        bytes(r, "public_key"),
        bytes(r, "key_ident"),
        instant(r, "created_at"));
  }

  /**
   * The row's revocation ({@code revoked_at}, reason, invalidity date), or {@code null} when not
   * revoked.
   */
  static @Nullable Revocation revocation(Readable r) {
    Instant revokedAt = nullableInstant(r, "revoked_at");
    return revokedAt == null
        ? null
        : new Revocation(
            revokedAt,
            Objects.requireNonNull(r.get("revocation_reason", Short.class)),
            nullableInstant(r, "invalidity_date"));
  }

  static CertificateRecord certificate(Readable r) {
    Revocation revocation = revocation(r);
    return new CertificateRecord(
        Objects.requireNonNull(r.get("id", Long.class)),
        str(r, "issuer_ca_id"),
        Objects.requireNonNull(r.get("issuer_generation", Integer.class)),
        str(r, "serial_hex"),
        CertificateKind.valueOf(str(r, "kind")),
        str(r, "profile"),
        r.get("subject_ca_id", String.class),
        Boolean.TRUE.equals(r.get("is_ca", Boolean.class)),
        str(r, "subject_dn"),
        bytes(r, "subject_der"),
        str(r, "issuer_dn"),
        instant(r, "not_before"),
        instant(r, "not_after"),
        bytes(r, "subject_key_ident"),
        bytes(r, "spki_sha256"),
        bytes(r, "sha1"),
        bytes(r, "sha256"),
        bytes(r, "der"),
        instant(r, "issued_at"),
        r.get("label", String.class),
        revocation);
  }

  static CrlRecord crl(Readable r) {
    return new CrlRecord(
        Objects.requireNonNull(r.get("id", Long.class)),
        str(r, "ca_id"),
        str(r, "scope"),
        Objects.requireNonNull(r.get("crl_number", BigDecimal.class)).toBigIntegerExact(),
        instant(r, "this_update"),
        instant(r, "next_update"),
        str(r, "signer_key_id"),
        Objects.requireNonNull(r.get("entry_count", Integer.class)),
        bytes(r, "sha256"),
        bytes(r, "der"));
  }

  static CrossPairRecord pair(Readable r) {
    return new CrossPairRecord(
        str(r, "id"),
        str(r, "owner_ca_id"),
        str(r, "peer_ca_id"),
        r.get("forward_cert_id", Long.class),
        r.get("reverse_cert_id", Long.class),
        bytes(r, "der"),
        instant(r, "updated_at"));
  }

  static ChangeLogEntry logEntry(Readable r) {
    Object payload = r.get("payload");
    return new ChangeLogEntry(
        Objects.requireNonNull(r.get("seq", Long.class)),
        instant(r, "recorded_at"),
        str(r, "entity"),
        str(r, "entity_key"),
        str(r, "op"),
        payload == null ? "null" : jsonText(payload));
  }

  private static String jsonText(Object payload) {
    if (payload instanceof io.r2dbc.postgresql.codec.Json json) {
      return json.asString();
    }
    return payload.toString();
  }

  static String str(Readable r, String column) {
    return Objects.requireNonNull(r.get(column, String.class), column);
  }

  static byte[] bytes(Readable r, String column) {
    Object v = Objects.requireNonNull(r.get(column), column);
    if (v instanceof byte[] b) {
      return b;
    }
    ByteBuffer buf = (ByteBuffer) v;
    byte[] out = new byte[buf.remaining()];
    buf.get(out);
    return out;
  }

  static Instant instant(Readable r, String column) {
    return Objects.requireNonNull(nullableInstant(r, column), column);
  }

  static @Nullable Instant nullableInstant(Readable r, String column) {
    OffsetDateTime t = r.get(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
