-- Issue 11, disaster recovery: the shared contract of failover (centers, epochs, fencing, CRL numbering)
-- and replication (the hash-chained change log, bookmarks, acknowledgements). Additive only: code of
-- schema V6 runs unchanged on it (every new column has a default or is nullable).

-- This node's center: one row. role is what the center may do now: only a MASTER at the current epoch
-- signs or publishes. running is set at start and cleared at a clean stop, so a MASTER that finds it set
-- at start stopped uncleanly and comes up FENCED.
CREATE TABLE center_state (
    id          smallint    PRIMARY KEY CHECK (id = 1),
    center_id   text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('MASTER', 'BACKUP', 'FENCED')),
    epoch       bigint      NOT NULL CHECK (epoch >= 1),
    running     boolean     NOT NULL DEFAULT false,
    fenced_reason text,
    updated_at  timestamptz NOT NULL
);

-- Every promotion, replicated: the fork point of each epoch is on record (PostgreSQL timeline history).
-- Epoch 1 has no predecessor (prev_last_seq / prev_chain_hash NULL).
CREATE TABLE epoch_history (
    epoch           bigint      PRIMARY KEY CHECK (epoch >= 1),
    center_id       text        NOT NULL,
    first_seq       bigint      NOT NULL,
    prev_last_seq   bigint,
    prev_chain_hash bytea,
    kind            text        NOT NULL CHECK (kind IN ('INITIAL', 'FAILOVER', 'SWITCHOVER', 'UNFENCE')),
    requested_by    text,
    approved_by     text,
    reason          text,
    started_at      timestamptz NOT NULL
);

-- The change log becomes a verifiable chain: hash = SHA-256 over (schema_version, epoch, seq, prev_hash,
-- entity, entity_key, op, payload) as defined in docs/replication.md. Rows written before V7 keep NULL
-- hashes and are chained from when the replication module first seals them.
ALTER TABLE change_log ADD COLUMN epoch          bigint   NOT NULL DEFAULT 1;
ALTER TABLE change_log ADD COLUMN schema_version smallint NOT NULL DEFAULT 1;
ALTER TABLE change_log ADD COLUMN prev_hash      bytea;
ALTER TABLE change_log ADD COLUMN hash           bytea;
ALTER TABLE change_log_head ADD COLUMN last_hash bytea;

-- Epoch-major CRL numbers: number = epoch * 2^64 + t, t strictly increasing per CA and scope
-- (max(now in ms, last_t + 1)), persisted before signing.
CREATE TABLE crl_number_state (
    ca_id   text        NOT NULL REFERENCES ca (id),
    scope   text        NOT NULL CHECK (scope IN ('CRL', 'ARL')), -- deltas share their base's sequence (RFC 5280 5.2.3)
    epoch   bigint      NOT NULL,
    last_t  numeric(20) NOT NULL CHECK (last_t >= 0),
    PRIMARY KEY (ca_id, scope)
);

-- At a backup: how far the stream from a source center has been applied (written in the same
-- transaction as each applied record).
CREATE TABLE replication_bookmark (
    source_center text        PRIMARY KEY,
    epoch         bigint      NOT NULL,
    applied_seq   bigint      NOT NULL,
    applied_hash  bytea,
    updated_at    timestamptz NOT NULL
);

-- At a master: how far each backup has acknowledged applying (gates publication, bounds retention).
CREATE TABLE replication_ack (
    peer_center   text        PRIMARY KEY,
    epoch         bigint      NOT NULL,
    acked_seq     bigint      NOT NULL,
    updated_at    timestamptz NOT NULL
);
