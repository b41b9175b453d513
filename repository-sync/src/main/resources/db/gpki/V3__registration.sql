-- Registration (LRA intake), operators, two-person approvals and the tamper-evident audit log.
-- Owned by repository-sync (store package, R2dbcRegistrationStore / AuditWriter). Additive only.
-- Certificates and revocations themselves stay in the repository tables (V1) and reach them only
-- through the repository store, so they land in the change log.

-- A registration authority (ministry LRA) and what it may ask for.
CREATE TABLE lra (
    id                text        PRIMARY KEY,
    display_name      text        NOT NULL,
    ca_id             text        NOT NULL REFERENCES ca (id),   -- the CA it registers for
    subject_base_dn   text        NOT NULL,    -- RFC 4514; every subject must lie under it
    allowed_profiles  text[]      NOT NULL,
    dns_suffixes      text[]      NOT NULL,    -- SAN dNSName / rfc822Name domains allowed
    allowed_sources   text[]      NOT NULL,    -- CIDR allowlist; empty = any source
    created_at        timestamptz NOT NULL
);

-- An operator (LRA or CA side), authenticated by one client certificate issued by osca.
CREATE TABLE operator (
    id                text        PRIMARY KEY,
    lra_id            text        REFERENCES lra (id),          -- NULL for CA-side operators
    display_name      text        NOT NULL,
    roles             text[]      NOT NULL,
    cert_sha256       bytea       NOT NULL UNIQUE,              -- SHA-256 of the certificate DER
    cert_issuer_ca_id text        NOT NULL,
    cert_serial_hex   text        NOT NULL,
    enabled           boolean     NOT NULL,
    created_at        timestamptz NOT NULL
);

-- The durable journal. A row exists only once the request passed its format check; 202 Accepted is
-- sent after its INSERT commits. The worker takes ACCEPTED rows by (priority, seq) per CA.
CREATE TABLE registration_request (
    id               text        PRIMARY KEY,
    seq              bigserial   NOT NULL UNIQUE,
    lra_id           text        NOT NULL,
    operator_id      text        NOT NULL,
    idempotency_key  text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('ISSUE', 'REVOKE')),
    priority         smallint    NOT NULL,   -- 0 revocations, 1 issuance: revocations go first
    ca_id            text        NOT NULL,
    request_json     text        NOT NULL,   -- the validated request
    request_sha256   bytea       NOT NULL,   -- of the signed content; a repeat must match it
    evidence         bytea,                  -- the signed request (CMS SignedData) as received
    state            text        NOT NULL CHECK (state IN ('ACCEPTED', 'DONE', 'REJECTED')),
    reserved_serial  text,                   -- set before signing: a retry re-uses it
    result_serial    text,
    error            text,
    accepted_at      timestamptz NOT NULL,
    completed_at     timestamptz,
    done_seq         bigint,                 -- audit seq of the final record: commit order, the feed cursor
    CONSTRAINT registration_idempotency UNIQUE (lra_id, idempotency_key)
);
CREATE INDEX registration_feed_idx ON registration_request (lra_id, done_seq) WHERE done_seq IS NOT NULL;
CREATE INDEX registration_pending_idx ON registration_request (priority, seq) WHERE state = 'ACCEPTED';

-- Two-person control: one operator asks, a different one approves before expires_at.
CREATE TABLE operator_approval (
    id               text        PRIMARY KEY,
    action           text        NOT NULL,
    target           text        NOT NULL,
    request_json     text        NOT NULL,
    requested_by     text        NOT NULL REFERENCES operator (id),
    requested_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    idempotency_key  text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('PENDING', 'APPROVED', 'EXPIRED')),
    approved_by      text        REFERENCES operator (id),
    approved_at      timestamptz,
    evidence         bytea,
    CONSTRAINT operator_approval_idempotency UNIQUE (requested_by, idempotency_key),
    CONSTRAINT operator_approval_two_person CHECK (approved_by IS NULL OR approved_by <> requested_by)
);

-- Audit log: append-only, hash-chained. hash = SHA-256(prev_hash || fields), see io.gpki.sync.AuditChain.
CREATE TABLE audit_head (
    id        smallint PRIMARY KEY CHECK (id = 1),
    last_seq  bigint   NOT NULL,
    last_hash bytea    NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq         bigint      PRIMARY KEY,
    recorded_at timestamptz NOT NULL,
    type        text        NOT NULL,
    source      text        NOT NULL,
    actor       text        NOT NULL,
    object      text        NOT NULL,
    outcome     text        NOT NULL,
    detail      text        NOT NULL,
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL
);

-- Periodic seals: a signature by the audit key over (seq, hash) of the chain head at that time.
CREATE TABLE audit_seal (
    seq         bigint      PRIMARY KEY REFERENCES audit_log (seq),
    sealed_at   timestamptz NOT NULL,
    hash        bytea       NOT NULL,
    key_id      text        NOT NULL,
    algorithm   text        NOT NULL,
    public_key  bytea       NOT NULL,  -- SubjectPublicKeyInfo DER of the audit key
    signature   bytea       NOT NULL
);

-- Nothing may change or remove an audit record once written (the chain would show it anyway).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
