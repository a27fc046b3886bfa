-- API processes keep authenticated tokens in memory for a short while (tracker/accounts/cache.py). Any change that
-- can end or alter what a token grants notifies them, delivered at commit, and each process then forgets every
-- token it knew. A token's own use (last_used_at) and new tokens do not: a new token is never in a cache.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tracklake_auth', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER api_tokens_auth_changed
    AFTER UPDATE OF token_hash, user_id, revoked_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER api_tokens_auth_truncated AFTER TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER users_auth_changed
    AFTER UPDATE OF id, username, display_name, is_admin, active OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
CREATE TRIGGER users_auth_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
