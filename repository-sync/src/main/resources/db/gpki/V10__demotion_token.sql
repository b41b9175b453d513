-- Issue 11, failback: the demotion token of a switchover, recorded in the epoch history row of the
-- epoch that ends. A master that hands over stops writing and records where its epoch ended (last
-- change-log seq and chain hash), to which center it handed over, and under which approval. The target
-- promotes itself at epoch + 1 with exactly this fork point. Additive only (NULL: the epoch has not
-- ended by a switchover).
ALTER TABLE epoch_history
    ADD COLUMN ended_seq         bigint,
    ADD COLUMN ended_hash        bytea,
    ADD COLUMN ended_at          timestamptz,
    ADD COLUMN handed_to         text,
    ADD COLUMN handover_approval text,
    ADD COLUMN handover_requested_by text,
    ADD COLUMN handover_approved_by text;
