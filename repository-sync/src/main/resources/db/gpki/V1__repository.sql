-- Repository schema, version 1. Owned by repository-sync (store package); nothing else writes these tables.
-- Private keys never appear here: CA keys are named by key id and live in a key source.

-- Ordered change log. seq is gap-free: it comes from change_log_head inside the writing transaction,
-- so a rolled-back write leaves no hole. Replication streams this table in seq order.
CREATE TABLE change_log_head (
    id        smallint PRIMARY KEY CHECK (id = 1),
    last_seq  bigint   NOT NULL
);
INSERT INTO change_log_head (id, last_seq) VALUES (1, 0);

CREATE TABLE change_log (
    seq         bigint      PRIMARY KEY,
    recorded_at timestamptz NOT NULL,
    entity      text        NOT NULL,  -- CA, CA_KEY, CERTIFICATE, REVOCATION, CRL, CROSS_PAIR
    entity_key  text        NOT NULL,
    op          text        NOT NULL,  -- UPSERT
    payload     jsonb       NOT NULL   -- the full new state of the entity, so a backup applies it alone
);

CREATE TABLE ca (
    id                 text        PRIMARY KEY,
    display_name       text        NOT NULL,
    role               text        NOT NULL,   -- BRIDGE, GOVERNMENT, INTERNAL, EXTERNAL
    subject_dn         text        NOT NULL,
    subject_der        bytea       NOT NULL,
    policy_oid         text,
    current_generation integer     NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- One row per key generation of a CA. key_id names the key in the signer; no key material.
CREATE TABLE ca_key (
    ca_id        text        NOT NULL REFERENCES ca (id),
    generation   integer     NOT NULL,
    key_id       text        NOT NULL UNIQUE,
    key_source   text        NOT NULL,
    public_key   bytea       NOT NULL,       -- SubjectPublicKeyInfo DER
    key_ident    bytea       NOT NULL,       -- RFC 5280 method-1 key identifier
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (ca_id, generation)
);

CREATE TABLE certificate (
    id                bigserial   PRIMARY KEY,
    issuer_ca_id      text        NOT NULL REFERENCES ca (id),
    issuer_generation integer     NOT NULL,
    serial_hex        text        NOT NULL,          -- lower-case hex, no leading zeros
    kind              text        NOT NULL,          -- SELF_SIGNED, CROSS, LINK_OLD_WITH_NEW, LINK_NEW_WITH_OLD, END_ENTITY
    profile           text        NOT NULL,
    subject_ca_id     text        REFERENCES ca (id), -- set when the subject is one of our CAs
    is_ca             boolean     NOT NULL,
    subject_dn        text        NOT NULL,
    subject_der       bytea       NOT NULL,
    issuer_dn         text        NOT NULL,
    not_before        timestamptz NOT NULL,
    not_after         timestamptz NOT NULL,
    subject_key_ident bytea       NOT NULL,
    spki_sha256       bytea       NOT NULL,
    sha1              bytea       NOT NULL,
    sha256            bytea       NOT NULL UNIQUE,
    der               bytea       NOT NULL,
    issued_at         timestamptz NOT NULL,
    label             text,                          -- demo / operator note, e.g. "demo: revoked"
    revoked_at        timestamptz,
    revocation_reason smallint,
    invalidity_date   timestamptz,
    CONSTRAINT certificate_serial_unique UNIQUE (issuer_ca_id, serial_hex),
    CONSTRAINT certificate_revocation_complete CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificate_subject_idx ON certificate (subject_der);
CREATE INDEX certificate_revoked_idx ON certificate (issuer_ca_id, is_ca) WHERE revoked_at IS NOT NULL;

-- Every issued CRL/ARL, never overwritten. Numbers strictly increase per CA and scope.
CREATE TABLE crl (
    id            bigserial   PRIMARY KEY,
    ca_id         text        NOT NULL REFERENCES ca (id),
    scope         text        NOT NULL CHECK (scope IN ('CRL', 'ARL')),
    crl_number    numeric(40) NOT NULL CHECK (crl_number >= 0),
    this_update   timestamptz NOT NULL,
    next_update   timestamptz NOT NULL CHECK (next_update > this_update),
    signer_key_id text        NOT NULL,
    entry_count   integer     NOT NULL,
    sha256        bytea       NOT NULL,
    der           bytea       NOT NULL,
    CONSTRAINT crl_number_unique UNIQUE (ca_id, scope, crl_number)
);

-- Cross-certificate pairs as stored in the directory entry of owner_ca_id:
-- forward = issued to the owner by the peer, reverse = issued by the owner to the peer.
CREATE TABLE cross_pair (
    id                 text        PRIMARY KEY,
    owner_ca_id        text        NOT NULL REFERENCES ca (id),
    peer_ca_id         text        NOT NULL REFERENCES ca (id),
    forward_cert_id    bigint      REFERENCES certificate (id),
    reverse_cert_id    bigint      REFERENCES certificate (id),
    der                bytea       NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT cross_pair_unique UNIQUE (owner_ca_id, peer_ca_id)
);
