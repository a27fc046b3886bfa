"""SQL of webhooks and their deliveries."""

WEBHOOK_COLUMNS = "id, name, url, events, jql, active, created_by, created_at"
INSERT_WEBHOOK = f"""
INSERT INTO webhooks (name, url, events, jql, secret, active, created_by)
VALUES (%(name)s, %(url)s, %(events)s, %(jql)s, %(secret)s, %(active)s, %(created_by)s)
RETURNING {WEBHOOK_COLUMNS}
"""
SELECT_WEBHOOKS = f"SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"
SELECT_WEBHOOK = f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = %(id)s"
DELETE_WEBHOOK = "DELETE FROM webhooks WHERE id = %(id)s"
SELECT_ACTIVE = "SELECT id, url, events, jql, created_by FROM webhooks WHERE active"
# The owners of filtered webhooks, as actors: a filter is evaluated with its owner's browse permission. An
# inactive or deleted owner has none, so such a filter matches nothing.
SELECT_OWNERS = """
SELECT id, username, display_name, is_admin FROM users WHERE id = ANY(%(ids)s) AND active
"""

# Enqueueing is idempotent: one delivery per webhook and event.
INSERT_DELIVERIES = """
INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, issue_id, payload)
SELECT w, e, t, i, p FROM unnest(%(webhooks)s::bigint[], %(events)s::uuid[], %(types)s::text[], %(issues)s::bigint[],
                                 %(payloads)s::jsonb[]) AS d(w, e, t, i, p)
ON CONFLICT (webhook_id, event_id) DO NOTHING
"""

# Due deliveries, oldest first; one in flight per webhook and issue, so a receiver sees an issue's events in
# order. A 'sending' row whose lease ran out belongs to a dispatcher that died: it is taken over.
CLAIM_DUE = """
WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    WHERE ((d.status = 'pending' AND d.next_attempt_at <= now())
           OR (d.status = 'sending' AND d.locked_until < now()))
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries e
          WHERE e.webhook_id = d.webhook_id AND e.issue_id IS NOT DISTINCT FROM d.issue_id AND e.id < d.id
            AND e.status IN ('pending', 'sending'))
    ORDER BY d.id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries d SET status = 'sending', locked_until = now() + %(lease)s * interval '1 second'
FROM due, webhooks w
WHERE d.id = due.id AND w.id = d.webhook_id
RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.payload, d.attempts, w.url, w.secret, w.active
"""
INSERT_ATTEMPT = """
INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms)
VALUES (%(id)s, %(status_code)s, %(error)s, %(duration_ms)s)
"""
RECORD_ATTEMPT = """
UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = %(status_code)s, last_error = %(error)s
WHERE id = %(id)s
"""
FINISH_DELIVERY = """
UPDATE webhook_deliveries SET status = %(status)s, locked_until = NULL,
    delivered_at = CASE WHEN %(status)s = 'delivered' THEN now() END
WHERE id = %(id)s
"""

DELIVERY_COLUMNS = """
id, webhook_id, event_id, event_type, issue_id, status, attempts, next_attempt_at, last_status_code, last_error,
delivered_at, created_at
"""
COUNT_DELIVERIES = """
SELECT count(*) FROM webhook_deliveries WHERE webhook_id = %(webhook_id)s AND (%(status)s::text IS NULL OR status = %(status)s)
"""
SELECT_DELIVERIES = f"""
SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
WHERE webhook_id = %(webhook_id)s AND (%(status)s::text IS NULL OR status = %(status)s)
ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s
"""
SELECT_DELIVERY = f"""
SELECT {DELIVERY_COLUMNS}, payload FROM webhook_deliveries WHERE id = %(id)s AND webhook_id = %(webhook_id)s
"""
SELECT_ATTEMPTS = """
SELECT attempted_at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = %(id)s ORDER BY id
"""
REDELIVER = """
UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
    last_error = NULL, last_status_code = NULL, delivered_at = NULL
WHERE id = %(id)s AND webhook_id = %(webhook_id)s AND status IN ('failed', 'delivered')
RETURNING id
"""
