"""JSON Lines export benchmark: events/s and peak memory while streaming the whole log.

    .venv/bin/python -m bench.export_bench [EVENTS]      (1,000,000 by default)

The log is filled with real gig lifecycles (the stored bytes of one gig's events, recorded again
under fresh gig ids, so filling a million events takes seconds instead of a million commands),
on SQLite. The export is then read once untraced for the rate, and once under tracemalloc for
the peak Python memory it allocates, which must not grow with the log.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from bench.harness import Context, Figure, Target
from bench.stores import backend
from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.audit_log import export_jsonl
from tests.conftest import FakeClock, sqlite_env
from tests.integration.finance.money_paths import Cashier, MoneyRun

BATCH = 10_000


def lifecycle(app: Marketplace, clock: FakeClock) -> list[StoredEvent]:
    """The stored events of one gig that went from draft to paid, with every kind of payload."""
    run = MoneyRun(app, clock, Cashier(SimulatedGateway(clock)))
    gig_id = run.gig("approved_after_changes")
    return list(app.recorder.select_events(gig_id))


def fill(app: Marketplace, template: list[StoredEvent], events: int) -> int:
    batch: list[StoredEvent] = []
    written = len(template)
    while written < events:
        gig_id = uuid4()
        for stored in template[: events - written]:
            batch.append(StoredEvent(gig_id, stored.originator_version, stored.topic, stored.state))
        written += min(len(template), events - written)
        if len(batch) >= BATCH:
            app.recorder.insert_events(batch)
            batch = []
    if batch:
        app.recorder.insert_events(batch)
    return app.recorder.max_notification_id() or 0


def export(app: Marketplace) -> tuple[int, int, float]:
    lines = size = 0
    started = time.perf_counter()
    for chunk in export_jsonl(app, page_size=2_000):
        lines += chunk.count(b"\n")
        size += len(chunk)
    return lines, size, time.perf_counter() - started


def measure(env: dict[str, str], events: int) -> tuple[float, float, int, float]:
    """(events/s, peak traced MiB, events exported, ceiling: the log read without encoding)."""
    clock = FakeClock()
    app = Marketplace(env, clock=clock)
    try:
        head = fill(app, lifecycle(app, clock), events)
        ceiling = read_rate(app)
        lines, _size, seconds = export(app)
        assert lines == head, f"exported {lines} of {head} events"
        tracemalloc.start()
        export(app)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        app.close()
    return lines / seconds, peak / 2**20, lines, ceiling


def read_rate(app: Marketplace) -> float:
    """The same pages of stored events, fetched and not encoded: what the export could approach."""
    started = time.perf_counter()
    position = count = 0
    while page := app.recorder.select_notifications(position, 2_000, inclusive_of_start=False):
        count += len(page)
        position = page[-1].id
    return count / (time.perf_counter() - started)


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    events = ctx.sizes.export_events
    for kind in ("postgres", "sqlite"):
        with backend(kind, ctx.postgres_dsn) as env:
            rate, peak, lines, ceiling = measure(env, events)
        full = lines >= 1_000_000
        figures.append(
            Figure(
                "export",
                kind,
                f"JSONL export, {lines:,} events",
                rate,
                "events/s",
                "read the log, no encoding",
                ceiling,
                (Target("≥ 100,000 events/s", minimum=100_000),),
            )
        )
        figures.append(
            Figure(
                "export",
                kind,
                f"JSONL export, peak traced memory, {lines:,} events",
                peak,
                "MiB",
                targets=(Target("< 150 MB for 1,000,000 events", maximum=143),) if full else (),
            )
        )
    return figures


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    events = int(args[0]) if args else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        app = Marketplace(sqlite_env(Path(tmp) / "export.db"), clock=clock)
        head = fill(app, lifecycle(app, clock), events)
        lines, size, seconds = export(app)
        assert lines == head, f"exported {lines} of {head} events"
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        tracemalloc.start()
        export(app)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    mib = 2**20
    rate = lines / seconds
    print(f"sqlite JSONL export: {rate:,.0f} events/s over {lines:,} events ({size / mib:,.0f} MiB)")
    print(f"sqlite JSONL export: peak traced memory {peak / mib:.1f} MiB; peak RSS {rss_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
