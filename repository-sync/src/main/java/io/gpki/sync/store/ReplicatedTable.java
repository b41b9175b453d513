package io.gpki.sync.store;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Every table the change log carries, with its row-image columns. The master builds the image
 * ({@code jsonb_build_object} over these columns, listed, never {@code *}) in the writing
 * transaction; the backup applies it with {@code jsonb_populate_record}. Columns absent here are
 * derived or local (lookup keys, access totals) and never replicate; CA private keys are not in any
 * table.
 */
// key and columns are List.of(..), unmodifiable, which Error Prone cannot see:
@SuppressWarnings("ImmutableEnumChecker") // List.of is unmodifiable
enum ReplicatedTable {
  CA(
      "ca",
      "id",
      null,
      false,
      "id, display_name, role, subject_dn, subject_der, policy_oid, current_generation, created_at, updated_at"),
  CA_KEY(
      "ca_key",
      "ca_id, generation",
      null,
      false,
      "ca_id, generation, key_id, key_source, public_key, key_ident, created_at"),
  // der travels once, in the payload's "der" (base64), not twice: the image leaves it out.
  CERTIFICATE(
      "certificate",
      "id",
      "id",
      false,
      "id, issuer_ca_id, issuer_generation, serial_hex, kind, profile, subject_ca_id, is_ca, subject_dn,"
          + " subject_der, issuer_dn, not_before, not_after, subject_key_ident, spki_sha256, sha1, sha256,"
          + " issued_at, label, revoked_at, revocation_reason, invalidity_date"),
  CRL(
      "crl",
      "id",
      "id",
      true,
      "id, ca_id, scope, crl_number, this_update, next_update, signer_key_id, entry_count, sha256"),
  CROSS_PAIR(
      "cross_pair",
      "id",
      null,
      false,
      "id, owner_ca_id, peer_ca_id, forward_cert_id, reverse_cert_id, der, updated_at"),
  REFERRAL(
      "referral",
      "id",
      null,
      false,
      "id, base_dn, base_dn_key, ldap_url, http_url, created_at, updated_at"),
  LRA(
      "lra",
      "id",
      null,
      false,
      "id, display_name, ca_id, subject_base_dn, allowed_profiles, dns_suffixes, allowed_sources, created_at"),
  LRA_NOTIFICATION(
      "lra_notification",
      "lra_id",
      null,
      false,
      "lra_id, webhook_url, contact_email, updated_at, updated_by"),
  OPERATOR(
      "operator",
      "id",
      null,
      false,
      "id, lra_id, display_name, roles, cert_sha256, cert_issuer_ca_id, cert_serial_hex, enabled, created_at"),
  JOURNAL(
      "registration_request",
      "id",
      "seq",
      false,
      "id, seq, lra_id, operator_id, idempotency_key, kind, priority, ca_id, request_json, request_sha256,"
          + " evidence, state, reserved_serial, result_serial, error, accepted_at, completed_at, done_seq"),
  // The sealed PKCS#12 is not in the image (the log keeps payloads forever, the PKCS#12 must go at
  // pickup): the image has its SHA-256, the bytes travel as the record's attachment
  // (change_log_secret),
  // erased at both centers when the PKCS#12 is picked up or discarded.
  SERVER_KEY(
      "registration_server_key",
      "request_id",
      null,
      false,
      "request_id, algorithm, public_key, secret_sha256, created_at, delivered_at, delivered_by"),
  APPROVAL(
      "operator_approval",
      "id",
      null,
      false,
      "id, action, target, request_json, requested_by, requested_at, expires_at, idempotency_key, state,"
          + " approved_by, approved_at, evidence, execution, plan, result, executed_at"),
  OUTBOX(
      "notification_outbox",
      "id",
      "seq",
      false,
      "id, seq, channel, lra_id, event_type, recipient, dedupe_key, payload, state, attempts, next_attempt_at,"
          + " created_at, delivered_at, last_error"),
  // The master's audit chain lands in replica_audit_log at the backup (its own chain stays its
  // own).
  AUDIT(
      "audit_log",
      "seq",
      null,
      true,
      "seq, recorded_at, type, source, actor, object, outcome, detail, prev_hash, hash"),
  AUDIT_SEAL(
      "audit_seal",
      "seq",
      null,
      true,
      "seq, sealed_at, hash, key_id, algorithm, public_key, signature"),
  EPOCH(
      "epoch_history",
      "epoch",
      null,
      true,
      "epoch, center_id, first_seq, prev_last_seq, prev_chain_hash, kind, requested_by, approved_by, reason,"
          + " started_at");

  private static final Map<String, ReplicatedTable> BY_ENTITY =
      Arrays.stream(values()).collect(Collectors.toMap(Enum::name, Function.identity()));

  final String table;
  final List<String> key;
  final @Nullable String serial;
  final boolean appendOnly;
  final List<String> columns;

  ReplicatedTable(
      String table, String key, @Nullable String serial, boolean appendOnly, String columns) {
    this.table = table;
    this.key = List.of(key.split(",\\s*"));
    this.serial = serial;
    this.appendOnly = appendOnly;
    this.columns = List.of(columns.split(",\\s*"));
  }

  /** The table of a change-log entity; REVOCATION is a certificate's new state. */
  static @Nullable ReplicatedTable of(String entity) {
    return "REVOCATION".equals(entity) ? CERTIFICATE : BY_ENTITY.get(entity);
  }

  /** {@code jsonb_build_object('c1', c1, ...)} over the image columns. */
  String image() {
    String extra = this == SERVER_KEY ? ", 'pkcs12_sha256', sha256(pkcs12)" : "";
    return columns.stream()
        .map(c -> "'" + c + "', " + c)
        .collect(Collectors.joining(", ", "jsonb_build_object(", extra + ")"));
  }

  /** {@code k1 = :k0 AND k2 = :k1}. */
  String keyPredicate() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < key.size(); i++) {
      b.append(i == 0 ? "" : " AND ").append(key.get(i)).append(" = :k").append(i);
    }
    return b.toString();
  }

  /** Whether the payload carries the DER outside the image. */
  boolean derInPayload() {
    return this == CERTIFICATE || this == CRL;
  }
}
