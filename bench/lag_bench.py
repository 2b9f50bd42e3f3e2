"""(d) Lag from a command's return to the read models including it, at a steady command rate,
with the followers running in background threads of the same process (the embedded default).

Commands are paced on an absolute schedule, so a slow command does not lower the rate; a watcher
polls the tracking table every millisecond, which bounds the resolution of the figures.
"""

from __future__ import annotations

import threading
import time
from uuid import uuid4

from bench.commands_bench import posted_gigs
from bench.harness import Context, Figure, Target, percentile
from bench.stores import backend, marketplace
from domain.actors import Actor
from projections.registry import Projections
from tests.conftest import database_for

POLL = 0.001


def steady_lag(env: dict[str, str], seconds: float, rate: float) -> tuple[list[float], list[float], float]:
    """(lags to gig detail in ms, lags to every model in ms, achieved commands/s)."""
    app = marketplace(env)
    db = database_for(env)
    employer, student = Actor.user(uuid4(), "employer"), Actor.user(uuid4(), "student")
    gigs = posted_gigs(app, int(seconds * rate / 3) + 10, employer)
    models = Projections(app, db)
    models.start()
    sent: list[tuple[int, float]] = []
    detail_seen: dict[int, float] = {}
    all_seen: dict[int, float] = {}
    done = threading.Event()
    give_up = [float("inf")]

    def watch() -> None:
        # Positions in `sent` only grow, so each model's progress is a cursor into it.
        detail_at = every_at = 0
        while not done.is_set() or every_at < len(sent):
            with db.read() as conn:
                rows = conn.fetchall("SELECT name, position FROM projection_tracking")
            now = time.perf_counter()
            positions = {str(r["name"]): int(r["position"]) for r in rows if r["name"] in models.followers}
            lowest = min(positions.values()) if len(positions) == len(models.followers) else 0
            detail = positions.get("gig_detail", 0)
            while detail_at < len(sent) and sent[detail_at][0] <= detail:
                detail_seen[sent[detail_at][0]] = now
                detail_at += 1
            while every_at < len(sent) and sent[every_at][0] <= lowest:
                all_seen[sent[every_at][0]] = now
                every_at += 1
            if done.is_set() and time.perf_counter() > give_up[0]:
                return
            time.sleep(POLL)

    try:
        # Let the followers take in the setup before the clock starts.
        while min(f.position for f in models.followers.values()) < (app.recorder.max_notification_id() or 0):
            time.sleep(0.01)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        steps = [
            lambda g: app.claim_gig(student, g),
            lambda g: app.submit_work(student, g, "https://example.org/work", "done"),
            lambda g: app.approve_submission(employer, g, "great work"),
        ]
        n = 0
        while time.perf_counter() < started + seconds:
            due = started + n / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            receipt = steps[n % 3](gigs[n // 3])
            assert receipt.position is not None
            sent.append((receipt.position, time.perf_counter()))
            n += 1
        achieved = n / (time.perf_counter() - started)
        give_up[0] = time.perf_counter() + 10
        done.set()
        watcher.join(timeout=20)
    finally:
        models.close()
        db.close()
        app.close()
    detail = [(detail_seen[p] - t) * 1000 for p, t in sent if p in detail_seen]
    every = [(all_seen[p] - t) * 1000 for p, t in sent if p in all_seen]
    return detail, every, achieved


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    rate = ctx.sizes.lag_rate
    for kind in ("postgres", "sqlite"):
        with backend(kind, ctx.postgres_dsn) as env:
            detail, every, achieved = steady_lag(env, ctx.sizes.lag_seconds, rate)
        ctx.notes.append(
            f"{kind}: {achieved:,.0f} commands/s achieved of {rate:,.0f} asked, {len(every):,} commands"
        )
        for label, lags in (("gig detail", detail), ("every read model", every)):
            p50, p99 = percentile(lags, 50), percentile(lags, 99)
            figures.append(
                Figure(
                    "lag",
                    kind,
                    f"command → {label}, p50 at {rate:,.0f} cmd/s",
                    p50,
                    "ms",
                    targets=(Target("p50 < 20 ms", maximum=20),),
                )
            )
            figures.append(
                Figure(
                    "lag",
                    kind,
                    f"command → {label}, p99 at {rate:,.0f} cmd/s",
                    p99,
                    "ms",
                    targets=(Target("p99 < 100 ms", maximum=100),),
                )
            )
    return figures
