-- Notifications of LRAs (signed webhooks) and subscribers (mail): per-LRA settings and the durable
-- outbox. Owned by repository-sync (store package, R2dbcNotificationOutbox). Additive only.
-- Completion events are inserted in the transaction that marks the journal row DONE/REJECTED (with
-- its REQUEST_DONE audit record), so no event is lost on a crash; a dispatcher delivers them later.

-- Where an LRA wants its events. No secret lives here: webhooks are signed by the gateway's
-- notification key (in the key source), not with a shared secret.
CREATE TABLE lra_notification (
    lra_id         text        PRIMARY KEY REFERENCES lra (id),
    webhook_url    text,                    -- https (http only when configured for tests/dev); NULL = none
    contact_email  text,                    -- the subscriber address when a certificate has no email SAN
    updated_at     timestamptz NOT NULL,
    updated_by     text        NOT NULL     -- operator id
);

CREATE TABLE notification_outbox (
    id               text        PRIMARY KEY,            -- the stable event id (receivers deduplicate by it)
    seq              bigserial   NOT NULL UNIQUE,        -- delivery order per LRA
    channel          text        NOT NULL CHECK (channel IN ('WEBHOOK', 'EMAIL')),
    lra_id           text        NOT NULL,
    event_type       text        NOT NULL CHECK (event_type IN ('issued', 'revoked', 'rejected', 'expiring')),
    recipient        text,                               -- EMAIL: the address; WEBHOOK: NULL (the LRA's URL then)
    dedupe_key       text        UNIQUE,                 -- expiring: once per certificate, threshold and channel
    payload          text        NOT NULL,               -- the event's JSON (no key, no secret)
    state            text        NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'DEAD', 'UNDELIVERABLE')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    last_error       text
);
CREATE INDEX notification_pending_idx ON notification_outbox (channel, lra_id, seq) WHERE state = 'PENDING';
CREATE INDEX notification_lra_idx ON notification_outbox (lra_id, seq);
