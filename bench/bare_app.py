"""The HTTP ceiling: a bare litestar endpoint that reads the same board rows from the same
database through the same connection pool, with none of fairgig's middleware, auth or mapping.

    granian --interface asgi --factory bench.bare_app:app_from_env
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Litestar, get

from projections.database import PostgresDatabase

SELECT = (
    "SELECT g.gig_id, g.employer_id, g.title, g.summary, g.deliverables, g.skills, g.estimated_hours,"
    " g.pay_amount, g.currency, g.pay_per_hour, g.deadline, g.deadline_key, g.jurisdiction,"
    " g.posted_at FROM board_gigs g WHERE g.listed = 1 ORDER BY g.posted_at DESC, g.gig_id LIMIT :limit"
)


def app_from_env() -> Litestar:
    db = PostgresDatabase(os.environ["FAIRGIG_DATABASE_URL"], schema=os.environ["FAIRGIG_DATABASE_SCHEMA"])

    @get("/gigs", sync_to_thread=True)
    def board(limit: int = 50) -> dict[str, Any]:
        with db.read() as conn:
            rows = conn.fetchall(SELECT, {"limit": limit + 1})
        return {"items": rows[:limit]}

    return Litestar(route_handlers=[board], on_shutdown=[db.close])
