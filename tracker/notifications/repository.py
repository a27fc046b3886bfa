"""SQL of notifications."""

# Serializes the notification writes of one issue (namespace, issue id) so concurrent batches do not split one.
LOCK_ISSUE = "SELECT pg_advisory_xact_lock(7316, (%(issue_id)s %% 2147483647)::int)"

SELECT_ISSUE_PEOPLE = "SELECT assignee_id, reporter_id, summary FROM issues WHERE id = %(issue_id)s"
SELECT_WATCHERS = "SELECT user_id FROM issue_watchers WHERE issue_id = %(issue_id)s"
SELECT_MENTIONED = "SELECT id, username FROM users WHERE username = ANY(%(names)s) AND active"

SELECT_ALREADY = """
SELECT user_id FROM notification_events WHERE event_id = %(event_id)s AND user_id = ANY(%(users)s)
"""
# The open notification of the user for the issue whose batch window contains the event's time.
SELECT_OPEN = """
SELECT id FROM notifications
WHERE user_id = %(user_id)s AND issue_id = %(issue_id)s AND read_at IS NULL
  AND first_at > %(at)s - %(window)s * interval '1 second' AND first_at <= %(at)s + %(window)s * interval '1 second'
ORDER BY abs(extract(epoch FROM first_at - %(at)s)) LIMIT 1
"""
INSERT_NOTIFICATION = """
INSERT INTO notifications (user_id, issue_id, issue_key, project_key, summary, first_at, last_at, event_count,
                           event_types, actors, fields, reasons)
VALUES (%(user_id)s, %(issue_id)s, %(issue_key)s, %(project_key)s, %(summary)s, %(at)s, %(at)s, 1,
        %(types)s, %(actors)s, %(fields)s, %(reasons)s)
RETURNING id
"""
MERGE_NOTIFICATION = """
UPDATE notifications SET
    event_count = event_count + 1,
    first_at = least(first_at, %(at)s),
    last_at = greatest(last_at, %(at)s),
    issue_key = %(issue_key)s,
    summary = coalesce(%(summary)s, summary),
    event_types = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(event_types || %(types)s::text[]) x),
    actors = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(actors || %(actors)s::text[]) x),
    fields = (SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') FROM unnest(fields || %(fields)s::text[]) x),
    reasons = (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(reasons || %(reasons)s::text[]) x)
WHERE id = %(id)s
"""
INSERT_EVENT = """
INSERT INTO notification_events (user_id, event_id, notification_id) VALUES (%(user_id)s, %(event_id)s, %(id)s)
"""

COUNT_NOTIFICATIONS = """
SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread FROM notifications
WHERE user_id = %(user_id)s
"""
SELECT_NOTIFICATIONS = """
SELECT * FROM notifications
WHERE user_id = %(user_id)s AND (NOT %(unread_only)s OR read_at IS NULL)
ORDER BY last_at DESC, id DESC LIMIT %(limit)s OFFSET %(offset)s
"""
SELECT_OWNED = "SELECT id FROM notifications WHERE user_id = %(user_id)s AND id = ANY(%(ids)s)"
MARK_READ = """
UPDATE notifications SET read_at = now()
WHERE user_id = %(user_id)s AND read_at IS NULL AND (%(all)s OR id = ANY(%(ids)s))
"""
