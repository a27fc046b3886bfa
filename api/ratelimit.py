"""Per-user request limits, counted in Redis: with TRACKLAKE_REDIS_URL, each user may make at most
TRACKLAKE_RATE_LIMIT requests (limits' notation, by default "6000/minute;200/second"; empty: no limit).

Counting is shared by every API process that uses the same Redis and database (keys carry the database's random
instance id, so two trackers on one Redis never count each other's users). A sliding window counter (the `limits`
library) smooths the burst a fixed window allows at its edges. When Redis cannot be reached, requests are let
through and a warning is logged: an outage of the counter must not become an outage of the tracker.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from tracker.errors import RateLimited

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, redis_url: str, limit: str, namespace: str) -> None:
        self.items: list[RateLimitItem] = parse_many(limit)
        self.storage = RedisStorage(
            "async+" + redis_url, implementation="redispy", key_prefix=f"tracklake:{namespace}:rate"
        )
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def check(self, user_id: int) -> None:
        """Count a request of the user; RateLimited (429, with Retry-After) when it is one too many."""
        who = str(user_id)
        try:
            for item in self.items:
                if not await self.strategy.hit(item, who):
                    stats = await self.strategy.get_window_stats(item, who)
                    wait = max(1, math.ceil(stats.reset_time - time.time()))
                    raise RateLimited(
                        f"Too many requests: at most {item} per user; retry in {wait} s", retry_after=wait
                    )
        except RateLimited:
            raise
        except Exception as exc:  # Redis is down or failing: let the request through
            log.warning("rate limit not checked: %r", exc)
