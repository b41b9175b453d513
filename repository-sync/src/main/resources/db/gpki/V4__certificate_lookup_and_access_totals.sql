-- Version 4: RFC 4387 lookup keys of every certificate, and durable repository access totals.
-- Owned by repository-sync (store package). Additive only: code of version 3 ignores both tables and
-- the new column.

-- Lookup keys of a certificate, one row per (attribute, value): the RFC 4387 section 3.3 hashes
-- (certhash, ihash, shash, iandshash, skidhash: base64 SHA-1, 27 characters) and the normalised text
-- attributes (name, cn, email, uri). A key table rather than one column per attribute because cn,
-- email, uri, name and skidhash are multi-valued. The values are derived from the certificate DER by
-- the gateway's key function (CertificateLookupKeys); they are written in the transaction that inserts
-- the certificate and are not in the change log (a node derives them from the DER it applies).
CREATE TABLE certificate_lookup (
    certificate_id bigint NOT NULL REFERENCES certificate (id),
    attribute      text   NOT NULL,
    value          text   NOT NULL,
    PRIMARY KEY (attribute, value, certificate_id)
);
CREATE INDEX certificate_lookup_certificate_idx ON certificate_lookup (certificate_id);

-- The key function version a row was indexed with; NULL: not yet (rows from before version 4). The
-- gateway backfills these at startup in id order.
ALTER TABLE certificate ADD COLUMN lookup_version smallint;

-- The published certificates (CA and labelled end-entity ones: what the snapshot holds). Lets the
-- snapshot load and the shared-key query skip the (many) unlabelled end-entity rows.
CREATE INDEX certificate_published_idx ON certificate (id) WHERE is_ca OR label IS NOT NULL;

-- Repository access totals per Asia/Tokyo day, interface, object kind and outcome: the SLA report's
-- durable record. Each gateway process (instance: a random id per start) writes its own running totals
-- since it started every few seconds; a write sets absolute values (never lower ones), so a repeated or
-- late write cannot count twice. The report sums over instances. Operational data, not repository
-- content: no change-log entry.
CREATE TABLE repository_access (
    day            date        NOT NULL,
    interface      text        NOT NULL,
    kind           text        NOT NULL,
    outcome        text        NOT NULL,
    instance       text        NOT NULL,
    requests       bigint      NOT NULL CHECK (requests >= 0),
    response_nanos bigint      NOT NULL CHECK (response_nanos >= 0),
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (day, interface, kind, outcome, instance)
);
