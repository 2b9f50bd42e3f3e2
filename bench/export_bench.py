"""JSON Lines export benchmark: events/s and peak memory while streaming the whole log.

    .venv/bin/python -m bench.export_bench [EVENTS]      (1,000,000 by default)

The log is filled with real gig lifecycles (the stored bytes of one gig's events, recorded again
under fresh gig ids, so filling a million events takes seconds instead of a million commands),
on SQLite. The export is then read untraced for the rate, and once under tracemalloc for
the peak Python memory it allocates, which must not grow with the log.

Its ceiling is the export's own page query run over the same log without encoding a line, so the
ratio is what turning rows into JSON Lines costs; the library's `select_notifications` over the
same pages (which builds a `Notification` and a `UUID` per event) is reported beside it for
reference. The three are measured in turns, best of `ROUNDS` each, so a neighbour's burst of load
on a shared machine lands on one turn rather than on one of the three.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from bench.harness import Context, Figure, Target
from bench.stores import backend
from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.audit_log import export_jsonl, log_reader
from tests.conftest import FakeClock, sqlite_env
from tests.integration.finance.money_paths import Cashier, MoneyRun

BATCH = 10_000
PAGE = 2_000
ROUNDS = 3


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
    for chunk in export_jsonl(app, page_size=PAGE):
        lines += chunk.count(b"\n")
        size += len(chunk)
    return lines, size, time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class Measured:
    rate: float
    """events/s of the export"""
    peak_mib: float
    lines: int
    ceiling: float
    """events/s of the export's own page query, no encoding"""
    library: float
    """events/s of the library's select_notifications, no encoding"""


def measure(env: dict[str, str], events: int) -> Measured:
    clock = FakeClock()
    app = Marketplace(env, clock=clock)
    try:
        head = fill(app, lifecycle(app, clock), events)
        rates: dict[str, list[float]] = {"export": [], "ceiling": [], "library": []}
        lines = 0
        for _round in range(ROUNDS):
            rates["ceiling"].append(read_rate(app))
            rates["library"].append(library_rate(app))
            lines, _size, seconds = export(app)
            assert lines == head, f"exported {lines} of {head} events"
            rates["export"].append(lines / seconds)
        tracemalloc.start()
        export(app)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        app.close()
    best = {name: max(values) for name, values in rates.items()}
    return Measured(best["export"], peak / 2**20, lines, best["ceiling"], best["library"])


def read_rate(app: Marketplace) -> float:
    """The export's pages, fetched with its own query and not encoded: what it could approach."""
    reader = log_reader(app)
    head = app.recorder.max_notification_id() or 0
    started = time.perf_counter()
    position = count = 0
    while position < head and (page := reader.page(position, head, PAGE)):
        count += len(page)
        position = page[-1][0]
    return count / (time.perf_counter() - started)


def library_rate(app: Marketplace) -> float:
    """The same pages through the library's `select_notifications`, not encoded."""
    started = time.perf_counter()
    position = count = 0
    while page := app.recorder.select_notifications(position, PAGE, inclusive_of_start=False):
        count += len(page)
        position = page[-1].id
    return count / (time.perf_counter() - started)


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    events = ctx.sizes.export_events
    for kind in ("postgres", "sqlite"):
        with backend(kind, ctx.postgres_dsn) as env:
            m = measure(env, events)
        full = m.lines >= 1_000_000
        figures.append(
            Figure(
                "export",
                kind,
                f"JSONL export, {m.lines:,} events",
                m.rate,
                "events/s",
                "the same rows, same query, no encoding",
                m.ceiling,
                (Target("≥ 100,000 events/s", minimum=100_000),),
            )
        )
        figures.append(
            Figure(
                "export",
                kind,
                f"library select_notifications, same pages, no encoding, {m.lines:,} events",
                m.library,
                "events/s",
                "the same rows, same query, no encoding",
                m.ceiling,
            )
        )
        figures.append(
            Figure(
                "export",
                kind,
                f"JSONL export, peak traced memory, {m.lines:,} events",
                m.peak_mib,
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
        ceiling = read_rate(app)
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
    print(f"sqlite JSONL export: ceiling (same query, no encoding) {ceiling:,.0f} events/s")
    print(f"sqlite JSONL export: peak traced memory {peak / mib:.1f} MiB; peak RSS {rss_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
