"""SQL of the accounts domain."""

# One round trip per request: find the token's user and record its use (at most once a minute, so a busy
# token is not rewritten on every request).
AUTHENTICATE = """
WITH found AS (
    SELECT u.id, u.username, u.display_name, u.is_admin, t.id AS token_id, t.last_used_at
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = %(token_hash)s AND t.revoked_at IS NULL AND u.active
), touched AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE id = (SELECT token_id FROM found)
      AND (SELECT last_used_at IS NULL OR last_used_at < now() - interval '1 minute' FROM found)
)
SELECT id, username, display_name, is_admin FROM found
"""

SELECT_USER_BY_NAME = """
SELECT id, username, display_name, email, active, is_admin, created_at FROM users WHERE username = %(username)s
"""

SELECT_USERS_BY_NAMES = """
SELECT id, username, display_name, email, active, is_admin, created_at
FROM users WHERE username = ANY(%(usernames)s)
"""

SELECT_USERS_BY_IDS = """
SELECT id, username, display_name, email, active, is_admin, created_at FROM users WHERE id = ANY(%(ids)s)
"""

SEARCH_USERS = """
SELECT id, username, display_name, email, active, is_admin, created_at FROM users
WHERE (%(query)s::text IS NULL OR username ILIKE %(pattern)s OR display_name ILIKE %(pattern)s
       OR email ILIKE %(pattern)s)
ORDER BY username
LIMIT %(limit)s OFFSET %(offset)s
"""

INSERT_USER = """
INSERT INTO users (username, display_name, email, is_admin)
VALUES (%(username)s, %(display_name)s, %(email)s, %(is_admin)s)
ON CONFLICT (username) DO NOTHING
RETURNING id, username, display_name, email, active, is_admin, created_at
"""

UPDATE_USER = """
UPDATE users SET display_name = COALESCE(%(display_name)s, display_name),
                 email = COALESCE(%(email)s, email),
                 active = COALESCE(%(active)s, active),
                 is_admin = COALESCE(%(is_admin)s, is_admin)
WHERE username = %(username)s
RETURNING id, username, display_name, email, active, is_admin, created_at
"""

INSERT_TOKEN = """
INSERT INTO api_tokens (user_id, name, token_hash, token_prefix)
VALUES (%(user_id)s, %(name)s, %(token_hash)s, %(token_prefix)s)
RETURNING id, name, token_prefix, created_at, last_used_at, revoked_at
"""

SELECT_TOKENS = """
SELECT id, name, token_prefix, created_at, last_used_at, revoked_at
FROM api_tokens WHERE user_id = %(user_id)s ORDER BY id
"""

REVOKE_TOKEN = """
UPDATE api_tokens SET revoked_at = now()
WHERE id = %(token_id)s AND user_id = %(user_id)s AND revoked_at IS NULL
RETURNING id
"""

INSERT_GROUP = """
INSERT INTO groups (name) VALUES (%(name)s) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at
"""

SELECT_GROUP = "SELECT id, name, created_at FROM groups WHERE name = %(name)s"

SELECT_GROUPS = "SELECT id, name, created_at FROM groups ORDER BY name"

SELECT_GROUP_MEMBERS = """
SELECT u.username, u.display_name FROM group_members m JOIN users u ON u.id = m.user_id
WHERE m.group_id = %(group_id)s ORDER BY u.username
"""

INSERT_GROUP_MEMBER = """
INSERT INTO group_members (group_id, user_id) VALUES (%(group_id)s, %(user_id)s) ON CONFLICT DO NOTHING
"""

DELETE_GROUP_MEMBER = """
DELETE FROM group_members WHERE group_id = %(group_id)s AND user_id = %(user_id)s RETURNING user_id
"""

DELETE_GROUP = "DELETE FROM groups WHERE id = %(group_id)s"
