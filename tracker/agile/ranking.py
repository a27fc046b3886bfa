"""Global issue rank: LexoRank-style keys, so moving an issue before or after another writes one row.

A rank is a base-36 string compared byte-wise. New issues take the next key of a sequence (the column default
`next_issue_rank()`, see migrations/0008_agile.sql), which sorts after every other key handed out so far; a move
takes a key strictly between its new neighbours (fractional indexing). No key ends in '0', so a key between two
others always exists. Moves take one advisory lock, so two moves never pick the same gap at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from psycopg.rows import DictRow

from tracker.accounts.models import Actor
from tracker.agile.common import lock_issue, lock_issues, now, record_issue_change
from tracker.db import Conn, fetch_val
from tracker.errors import Conflict, ValidationError
from tracker.events import Change
from tracker.permissions import Permission

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
SEQUENCE_WIDTH = 13  # 36**13 > 2**63: every bigint fits
RANK_FIELD = "Rank"
# One lock for every move: moves are rare user actions, so serializing them costs nothing and keeps keys unique.
RANK_LOCK_ID = 7_314_159_266

SELECT_NEXT_RANK = "SELECT next_issue_rank()"
SELECT_PREVIOUS = """
SELECT rank FROM issues WHERE rank < %(rank)s AND id <> ALL(%(moving)s) ORDER BY rank DESC LIMIT 1
"""
SELECT_NEXT = """
SELECT rank FROM issues WHERE rank > %(rank)s AND id <> ALL(%(moving)s) ORDER BY rank LIMIT 1
"""
UPDATE_RANK = "UPDATE issues SET rank = %(rank)s WHERE id = %(id)s"
LOCK_RANKS = "SELECT pg_advisory_xact_lock(%(id)s)"


def sequence_rank(n: int) -> str:
    """The key the database gives the n-th new issue (must match next_issue_rank() in the migration)."""
    digits = ""
    while True:
        n, d = divmod(n, BASE)
        digits = DIGITS[d] + digits
        if n == 0:
            break
    return "i" + digits.rjust(SEQUENCE_WIDTH, "0") + "i"


def midpoint(a: str, b: str | None) -> str:
    """A key strictly between `a` ('' is the start) and `b` (None is the end)."""
    if b is not None and a >= b:
        raise ValueError(f"{a!r} is not below {b!r}")
    if a.endswith("0") or (b is not None and b.endswith("0")) or not set(a + (b or "")) <= set(DIGITS):
        raise ValueError(f"not a rank key: {a!r}, {b!r}")
    return _midpoint(a, b)


def _midpoint(a: str, b: str | None) -> str:
    if b is not None:
        # Strip the common prefix (a padded with zeros); b cannot end inside it because a < b.
        n = 0
        while n < len(b) and (a[n] if n < len(a) else "0") == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    digit_a = DIGITS.index(a[0]) if a else 0
    digit_b = DIGITS.index(b[0]) if b is not None else BASE
    if digit_b - digit_a > 1:
        return DIGITS[(digit_a + digit_b + 1) // 2]
    # The first digits are consecutive.
    if b is not None and len(b) > 1:
        return b[0]
    return DIGITS[digit_a] + _midpoint(a[1:], None)


def keys_between(a: str | None, b: str | None, n: int) -> list[str]:
    """`n` ascending keys strictly between a and b (None: the start, the end), spread evenly."""
    if n <= 0:
        return []
    mid = midpoint(a or "", b)
    if n == 1:
        return [mid]
    left = (n - 1) // 2
    return [*keys_between(a, mid, left), mid, *keys_between(mid, b, n - 1 - left)]


async def initial_rank(conn: Conn) -> str:
    """The rank of a new issue: below every ranked issue (the column default does the same by itself)."""
    value: str = await fetch_val(conn, SELECT_NEXT_RANK)
    return value


def rank_change(old: str, new: str) -> Change:
    """The history item of a rank move, worded as Jira words it."""
    return Change.of(
        RANK_FIELD,
        old,
        new,
        before_string=None,
        after_string="Ranked higher" if new < old else "Ranked lower",
    )


async def do_rank_issues(
    conn: Conn,
    actor: Actor,
    refs: Sequence[str | int],
    *,
    before: str | int | None = None,
    after: str | int | None = None,
    at: datetime | None = None,
) -> list[DictRow]:
    """Move issues (in the given order) right before or right after another issue; one row per moved issue."""
    if (before is None) == (after is None):
        raise ValidationError(
            "Give exactly one of rank_before_issue and rank_after_issue",
            errors={"rank_before_issue": "exactly one of rank_before_issue and rank_after_issue is required"},
        )
    when = at or now()
    await conn.execute(LOCK_RANKS, {"id": RANK_LOCK_ID})
    moving = await lock_issues(conn, actor, refs, Permission.EDIT_ISSUES)
    field = "rank_before_issue" if before is not None else "rank_after_issue"
    anchor_ref = before if before is not None else after
    assert anchor_ref is not None
    anchor = await lock_issue(conn, actor, anchor_ref, Permission.BROWSE_PROJECTS, field=field)
    moving_ids = [r["id"] for r in moving]
    if anchor["id"] in moving_ids:
        raise ValidationError("An issue cannot be ranked relative to itself", errors={field: "is one of the issues"})
    params = {"rank": anchor["rank"], "moving": moving_ids}
    if before is not None:
        low: str | None = await fetch_val(conn, SELECT_PREVIOUS, params)
        high: str | None = anchor["rank"]
    else:
        low = anchor["rank"]
        high = await fetch_val(conn, SELECT_NEXT, params)
        if high is None:
            # Stay above issues created later: they take sequence keys above this one.
            high = await initial_rank(conn)
    try:
        ranks = keys_between(low, high, len(moving))
    except ValueError:
        # Only keys written by something other than tracklake (e.g. an import copying foreign ranks) get here.
        raise Conflict(
            f"The ranks next to {anchor['key']} are not tracklake rank keys ({low!r}, {high!r}); re-rank them first"
        ) from None
    old_ranks = {r["rank"] for r in moving}
    parked = any(rank in old_ranks and rank != issue["rank"] for issue, rank in zip(moving, ranks, strict=True))
    if parked:
        # A new key is still held by another moving issue: park them all on fresh keys first (ranks are unique).
        for issue in moving:
            await conn.execute(UPDATE_RANK, {"rank": await initial_rank(conn), "id": issue["id"]})
    out: list[DictRow] = []
    for issue, rank in zip(moving, ranks, strict=True):
        if parked or rank != issue["rank"]:
            await conn.execute(UPDATE_RANK, {"rank": rank, "id": issue["id"]})
        if rank == issue["rank"]:
            out.append(issue)
            continue
        out.append(await record_issue_change(conn, actor, issue, [rank_change(issue["rank"], rank)], at=when))
    return out
