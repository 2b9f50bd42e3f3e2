"""(g) Peak RSS of each worker process on a PostgreSQL log of real gig lifecycles: the projection
worker catching up from zero, the escrow worker, the timer worker. (The API server's peak is
reported by the HTTP benchmark, measured under its load.)"""

from __future__ import annotations

import sys
import tempfile
import time

from bench.harness import Context, Figure
from bench.processes import child, fairgig_env, peak_rss_mib, tree
from bench.stores import fill, marketplace, postgres_schema
from tests.conftest import postgres_env

WORKERS = ("projections", "escrow", "timers")


def run(ctx: Context) -> list[Figure]:
    events = 20_000 if ctx.sizes.quick else 200_000
    seconds = 120.0 if ctx.sizes.quick else 600.0
    figures: list[Figure] = []
    with postgres_schema(ctx.postgres_dsn) as schema, tempfile.TemporaryDirectory() as tmp:
        app = marketplace(postgres_env(schema))
        head = fill(app, events)
        app.close()
        env = fairgig_env(ctx.postgres_dsn, schema, tmp)
        for which in WORKERS:
            args = [
                sys.executable,
                "-m",
                "bench.worker_process",
                which,
                str(seconds if which != "timers" else 5),
            ]
            with child(args, env) as proc:
                started = time.monotonic()
                assert proc.stdout is not None
                # The worker says "done" once caught up (or out of time) and then idles.
                proc.stdout.readline()
                peak = max((peak_rss_mib(p) for p in tree(proc.pid)), default=0.0)
                took = time.monotonic() - started
            figures.append(
                Figure("memory", "postgres", f"{which} worker peak RSS ({head:,} events)", peak, "MiB")
            )
            ctx.notes.append(f"{which} worker ran {took:.1f} s")
    return figures
