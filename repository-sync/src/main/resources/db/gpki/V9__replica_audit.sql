-- Issue 11, replication: the master's audit chain as held at a backup. The backup keeps its own
-- audit chain (audit_log) for its own actions; the master's records, verified on arrival, land here,
-- keyed by the center that wrote them. Additive only.
CREATE TABLE replica_audit_log (
    source_center text        NOT NULL,
    seq           bigint      NOT NULL,
    recorded_at   timestamptz NOT NULL,
    type          text        NOT NULL,
    source        text        NOT NULL,
    actor         text        NOT NULL,
    object        text        NOT NULL,
    outcome       text        NOT NULL,
    detail        text        NOT NULL,
    prev_hash     bytea       NOT NULL,
    hash          bytea       NOT NULL,
    PRIMARY KEY (source_center, seq)
);

CREATE TABLE replica_audit_seal (
    source_center text        NOT NULL,
    seq           bigint      NOT NULL,
    sealed_at     timestamptz NOT NULL,
    hash          bytea       NOT NULL,
    key_id        text        NOT NULL,
    algorithm     text        NOT NULL,
    public_key    bytea       NOT NULL,
    signature     bytea       NOT NULL,
    PRIMARY KEY (source_center, seq)
);

-- The sealed PKCS#12 of a server-generated key, while it awaits pickup, as the attachment of its
-- change-log record: the log's payload keeps only its SHA-256 (so the chain covers it), and this row
-- is deleted at pickup or rejection, at the master and at the backup alike. The change log itself
-- keeps no key material.
CREATE TABLE change_log_secret (
    seq         bigint PRIMARY KEY,
    request_id  text   NOT NULL,
    content     bytea  NOT NULL
);
CREATE INDEX change_log_secret_request_idx ON change_log_secret (request_id);
