-- Issue 5, registration: server-generated subscriber keys and the execution of approved CA-critical
-- actions (two-person control). Additive only: code of schema V5 runs unchanged on it.

-- A key the gateway generated for an issue request (no CSR). Written in the acceptance transaction,
-- so a retry of the worker certifies the same public key. The private key exists here only inside
-- the PKCS#12, encrypted to a one-time secret that is never stored (only its SHA-256); the PKCS#12 is
-- cleared at its first pickup or when the request is rejected.
CREATE TABLE registration_server_key (
    request_id     text        PRIMARY KEY REFERENCES registration_request (id),
    algorithm      text        NOT NULL,   -- RSA-2048, RSA-3072, EC-P256
    public_key     bytea       NOT NULL,   -- SubjectPublicKeyInfo DER: what the worker certifies
    pkcs12         bytea,                  -- PBES2/AES-256-CBC, PBKDF2-HMAC-SHA256; NULL once gone
    secret_sha256  bytea       NOT NULL,   -- SHA-256 of the one-time secret, never the secret
    created_at     timestamptz NOT NULL,
    delivered_at   timestamptz,
    delivered_by   text                    -- operator id of the pickup
);

-- Approved actions the operations executor carries out (CA key generation and activation,
-- cross-certificate issuance). NULL for actions that release journal rows instead (revocations).
ALTER TABLE operator_approval ADD COLUMN execution text
    CHECK (execution IS NULL OR execution IN ('PENDING', 'DONE', 'FAILED'));
ALTER TABLE operator_approval ADD COLUMN plan text;           -- JSON: what was reserved before signing
ALTER TABLE operator_approval ADD COLUMN result text;         -- what it did, or why it failed
ALTER TABLE operator_approval ADD COLUMN executed_at timestamptz;
CREATE INDEX operator_approval_pending_idx ON operator_approval (approved_at) WHERE execution = 'PENDING';
