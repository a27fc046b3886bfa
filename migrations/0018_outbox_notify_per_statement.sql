-- The relay only needs to know that something was written to the outbox, not what (it claims unsent rows in order
-- itself). Notifying once per row queued one distinct notification per event: a bulk import of 80,000 events
-- queued 80,000 notifications at commit, and the relay woke for each. One constant notification per statement is
-- folded by PostgreSQL into one per transaction, and it is still delivered at commit.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tracklake_outbox', '');
    RETURN NULL;
END $$;
DROP TRIGGER outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
