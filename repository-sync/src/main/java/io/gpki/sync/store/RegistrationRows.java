package io.gpki.sync.store;

import io.gpki.sync.JournalEntry;
import io.gpki.sync.LraRecord;
import io.gpki.sync.OperatorApproval;
import io.gpki.sync.OperatorRecord;
import io.gpki.sync.RegistrationCertificateRef;
import io.gpki.sync.RegistrationFeedEvent;
import io.r2dbc.spi.Readable;
import java.util.List;
import java.util.Objects;

/** Column lists and row mappers of the registration tables. */
final class RegistrationRows {

  static final String JOURNAL =
      "id, seq, lra_id, operator_id, idempotency_key, kind, ca_id, request_json, request_sha256,"
          + " evidence, state, reserved_serial, result_serial, error, accepted_at, completed_at";
  static final String LRA =
      "id, display_name, ca_id, subject_base_dn, allowed_profiles, dns_suffixes, allowed_sources, created_at";
  static final String OPERATOR =
      "id, lra_id, display_name, roles, cert_sha256, cert_issuer_ca_id, cert_serial_hex, enabled, created_at";
  static final String APPROVAL =
      "id, action, target, request_json, requested_by, requested_at, expires_at, idempotency_key, state,"
          + " approved_by, approved_at, execution, plan, result";

  private RegistrationRows() {}

  static JournalEntry journal(Readable r) {
    Object evidence = r.get("evidence");
    return new JournalEntry(
        Rows.str(r, "id"),
        Objects.requireNonNull(r.get("seq", Long.class)),
        Rows.str(r, "lra_id"),
        Rows.str(r, "operator_id"),
        Rows.str(r, "idempotency_key"),
        JournalEntry.Kind.valueOf(Rows.str(r, "kind")),
        Rows.str(r, "ca_id"),
        Rows.str(r, "request_json"),
        Rows.bytes(r, "request_sha256"),
        evidence == null ? null : Rows.bytes(r, "evidence"),
        JournalEntry.State.valueOf(Rows.str(r, "state")),
        r.get("reserved_serial", String.class),
        r.get("result_serial", String.class),
        r.get("error", String.class),
        Rows.instant(r, "accepted_at"),
        Rows.nullableInstant(r, "completed_at"));
  }

  static LraRecord lra(Readable r) {
    return new LraRecord(
        Rows.str(r, "id"),
        Rows.str(r, "display_name"),
        Rows.str(r, "ca_id"),
        Rows.str(r, "subject_base_dn"),
        list(r, "allowed_profiles"),
        list(r, "dns_suffixes"),
        list(r, "allowed_sources"),
        Rows.instant(r, "created_at"));
  }

  static OperatorRecord operator(Readable r) {
    return new OperatorRecord(
        Rows.str(r, "id"),
        r.get("lra_id", String.class),
        Rows.str(r, "display_name"),
        list(r, "roles"),
        Rows.bytes(r, "cert_sha256"),
        Rows.str(r, "cert_issuer_ca_id"),
        Rows.str(r, "cert_serial_hex"),
        Boolean.TRUE.equals(r.get("enabled", Boolean.class)),
        Rows.instant(r, "created_at"));
  }

  static OperatorApproval approval(Readable r) {
    return new OperatorApproval(
        Rows.str(r, "id"),
        Rows.str(r, "action"),
        Rows.str(r, "target"),
        Rows.str(r, "request_json"),
        Rows.str(r, "requested_by"),
        Rows.instant(r, "requested_at"),
        Rows.instant(r, "expires_at"),
        Rows.str(r, "idempotency_key"),
        Rows.str(r, "state"),
        r.get("approved_by", String.class),
        Rows.nullableInstant(r, "approved_at"),
        r.get("execution", String.class),
        r.get("plan", String.class),
        r.get("result", String.class));
  }

  static RegistrationFeedEvent feedEvent(Readable r) {
    return new RegistrationFeedEvent(
        Objects.requireNonNull(r.get("done_seq", Long.class)),
        Rows.str(r, "id"),
        JournalEntry.Kind.valueOf(Rows.str(r, "kind")),
        JournalEntry.State.valueOf(Rows.str(r, "state")),
        Rows.str(r, "ca_id"),
        r.get("result_serial", String.class),
        r.get("error", String.class),
        Rows.instant(r, "completed_at"));
  }

  static RegistrationCertificateRef certificateRef(Readable r) {
    return new RegistrationCertificateRef(
        Rows.str(r, "issuer_ca_id"), Rows.str(r, "serial_hex"), Rows.str(r, "subject_dn"));
  }

  private static List<String> list(Readable r, String column) {
    String[] values = r.get(column, String[].class);
    return values == null ? List.of() : List.of(values);
  }
}
