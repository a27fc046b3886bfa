"""First start: the admin user and its API token."""

from __future__ import annotations

import sys

import psycopg
from psycopg.rows import dict_row

from tracker.accounts.actions import do_create_token, hash_token, new_token
from tracker.db import fetch_one

ADMIN = "admin"


async def ensure_admin(url: str, bootstrap_token: str | None) -> str | None:
    """Create the admin user on first start; return the generated token (to print once) or None."""
    async with await psycopg.AsyncConnection.connect(url, row_factory=dict_row) as conn, conn.transaction():
        # Serialize concurrent first starts of several processes.
        await conn.execute("SELECT pg_advisory_xact_lock(7314159266)")
        if await fetch_one(conn, "SELECT id FROM users WHERE username = %(u)s", {"u": ADMIN}) is not None:
            if bootstrap_token:
                # A bootstrap token given later is honoured once, so an operator can regain access.
                if (
                    await fetch_one(
                        conn, "SELECT id FROM api_tokens WHERE token_hash = %(h)s", {"h": hash_token(bootstrap_token)}
                    )
                    is None
                ):
                    await do_create_token(conn, None, ADMIN, "bootstrap", bootstrap_token)
            return None
        await conn.execute(
            "INSERT INTO users (username, display_name, is_admin) VALUES (%(u)s, 'Administrator', true)", {"u": ADMIN}
        )
        token = bootstrap_token or new_token()
        await do_create_token(conn, None, ADMIN, "bootstrap", token)
        return None if bootstrap_token else token


def announce_token(token: str) -> None:
    """Print the generated admin token once, where an operator will see it."""
    print(
        f"\n  tracklake: created user 'admin'. Its API token (shown only now) is:\n\n      {token}\n\n"
        "  Use it as 'Authorization: Bearer <token>' or HTTP Basic with user 'admin'.\n",
        file=sys.stderr,
        flush=True,
    )
