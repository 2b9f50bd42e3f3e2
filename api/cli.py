"""The `fairgig` command: serve the API, run workers, and the operators' tools.

Every command reads the same settings as the server (FAIRGIG_DATA_DIR or FAIRGIG_DATABASE_URL),
so it works on the data the running server uses, while it runs."""

from __future__ import annotations

import argparse
import base64
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from api import runtime_tuning
from api.bootstrap import bootstrap, composed
from api.projection_lanes import LANES, lanes_for, rebuild_in_processes
from api.settings import get_settings
from domain.errors import DomainError

Command = Callable[[argparse.Namespace], int]
WORKER_KINDS = ("projections", "timers", "escrow", "all")


def serve(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        "api.app:app_from_env",
        address=args.host,
        port=args.port,
        workers=args.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_access=args.access_log,
    ).serve()
    return 0


def worker(args: argparse.Namespace) -> int:
    """Run background work in the foreground until SIGINT or SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    container = bootstrap(get_settings())
    kinds = {"projections", "timers", "escrow"} if args.kind == "all" else {args.kind}
    try:
        container.start_workers(kinds)
        print(f"fairgig worker {args.kind}: running (pid {os.getpid()})", file=sys.stderr, flush=True)
        stop.wait()
    finally:
        container.close()
    return 0


def _bar(name: str, done: int, total: int, rate: float) -> str:
    width = 30
    filled = width if total == 0 else min(width, width * done // total)
    return (
        f"\r{name:<18} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} events  {rate:,.0f} events/s"
    )


def projections_rebuild(args: argparse.Namespace) -> int:
    from projections.follower_group import FollowerGroup, rebuild_group
    from projections.rebuild import Progress

    def show(p: Progress) -> None:
        line = _bar(p.name, p.processed, p.total, p.events_per_second)
        print(line + ("  building indexes" if p.indexing else ""), end="", file=sys.stderr, flush=True)

    def report(done: Progress) -> None:
        print(
            f"\n{done.name}: rebuilt {done.processed} events in {done.seconds:.2f} s "
            f"({done.events_per_second:,.0f} events/s)"
        )

    with composed() as c:
        followers = c.rebuildable()
        if args.name and args.name not in followers:
            print(
                f"fairgig: no projection {args.name!r}; choose from {', '.join(followers)}", file=sys.stderr
            )
            return 2
        if args.name:
            # A group of one: the same long pages, written behind on PostgreSQL, as the worker's.
            report(rebuild_group(FollowerGroup([followers[args.name]]), show)[0])
            return 0
        # The read models in one pass over the log per lane (one read and decode per page), the
        # lanes in processes of their own on PostgreSQL; progress is the slowest model's, under
        # one name. Then the ledger and the audit index (the cores are busy until then).
        models = list(c.projections.followers)
        label = f"read models ({len(models)})"
        latest: dict[str, int] = {}

        def show_models(p: Progress) -> None:
            latest[p.name] = p.processed
            if len(latest) == len(models):
                show(Progress(label, min(latest.values()), p.total, p.seconds, p.indexing))

        processes = args.processes or (2 if c.db.dialect == "postgres" else 1)
        lanes = lanes_for(models, processes)
        if len(lanes) > 1:
            results = rebuild_in_processes(lanes, show_models)
        else:
            results = c.projections.rebuild(None, show_models)
        for result in results:
            report(result)
        # One pass over the log for both.
        for result in rebuild_group(FollowerGroup(c.audit_followers), show):
            report(result)
    return 0


def projections_status(args: argparse.Namespace) -> int:
    with composed() as c:
        report = c.readiness()
    print(f"log head: {report.get('head')}   ready: {report['ready']}")
    for row in report.get("projections", []):
        print(
            f"  {row['name']:<18} position {row['position']:>9}  lag {row['lag_events']:>7} events"
            f"  {row['lag_seconds'] or 0:>8.1f} s  dead letters {row['dead_letters']}"
        )
    return 0 if report["ready"] else 1


def audit_verify(args: argparse.Namespace) -> int:
    from projections.audit_chain import verify

    with composed() as c:
        c.catch_up_chain()
        result = verify(c.marketplace.recorder, c.db)
    if result.ok:
        print(f"ok: {result.checked} events verified")
        return 0
    print(
        f"TAMPERED: first bad position {result.first_bad_position} ({result.reason}); "
        f"{result.checked} events checked"
    )
    return 1


def audit_fairness(args: argparse.Namespace) -> int:
    from projections.fairness_table import main_report

    with composed() as c:
        c.projections.catch_up()
        print(main_report(c.db, c.clock(), severity=args.severity, employer=args.employer))
    return 0


def reconcile(args: argparse.Namespace) -> int:
    from payments.reconciliation import BUCKETS, reconcile_period

    until = args.to or datetime.now(UTC)
    since = args.since or until - timedelta(days=30)
    with composed() as c:
        result = reconcile_period(c.db, c.gateway, since, until)
    print(
        f"reconciliation {since.isoformat()} .. {until.isoformat()}: {'OK' if result.ok else 'DIFFERENCES'}"
    )
    for bucket, total in result.totals.items():
        print(f"  {bucket:<20} {total.count:>6}   ledger {total.ledger}   gateway {total.gateway}")
    for bucket in BUCKETS:
        if bucket != "matched":
            for item in getattr(result, bucket):
                print(f"  {bucket}: {item}")
    return 0 if result.ok else 1


def keys_generate(args: argparse.Namespace) -> int:
    print(base64.b64encode(os.urandom(32)).decode())
    return 0


def users_grant(args: argparse.Namespace) -> int:
    with composed() as c:
        accounts = c.accounts
        account = accounts.find_by_email(args.email)
        accounts.grant_roles(account.id, set(args.roles), granted_by="cli")
        print(f"{account.email}: {', '.join(sorted(accounts.get(account.id).roles))}")
    return 0


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date or time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_parser() -> argparse.ArgumentParser:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        prog="fairgig", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default=settings.server.host)
    p.add_argument("--port", type=int, default=settings.server.port)
    p.add_argument("--workers", type=int, default=settings.server.workers)
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(run=serve)

    p = commands.add_parser("worker", help="run read models, timers or escrow as their own process")
    p.add_argument("kind", choices=WORKER_KINDS)
    p.set_defaults(run=worker)

    proj = commands.add_parser("projections", help="read models").add_subparsers(dest="action", required=True)
    p = proj.add_parser("rebuild", help="rebuild one read model (or all) from the start of the log")
    p.add_argument("name", nargs="?")
    p.add_argument(
        "--processes",
        type=int,
        choices=range(1, len(LANES) + 1),
        help="read models replayed in this many processes (default: 2 on PostgreSQL, 1 on SQLite)",
    )
    p.set_defaults(run=projections_rebuild)
    proj.add_parser("status", help="position, lag and dead letters of every read model").set_defaults(
        run=projections_status
    )

    audit = commands.add_parser("audit", help="auditors' tools").add_subparsers(dest="action", required=True)
    audit.add_parser("verify", help="recompute the hash chain over the stored log").set_defaults(
        run=audit_verify
    )
    p = audit.add_parser("fairness", help="print the fairness report: flags by gig, scores by employer")
    p.add_argument(
        "--severity", choices=["info", "warning", "blocking"], help="minimum severity (default info)"
    )
    p.add_argument("--employer", help="one employer's id")
    p.set_defaults(run=audit_fairness)

    p = commands.add_parser("reconcile", help="compare the ledger with the payment gateway")
    p.add_argument("--from", dest="since", type=_when, help="start (RFC 3339), default 30 days before --to")
    p.add_argument("--to", type=_when, help="end (RFC 3339, exclusive), default now")
    p.set_defaults(run=reconcile)

    keys = commands.add_parser("keys", help="secrets").add_subparsers(dest="action", required=True)
    keys.add_parser("generate", help="print a new FAIRGIG_CIPHER_KEY").set_defaults(run=keys_generate)

    users = commands.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    p = users.add_parser("grant", help="grant roles: fairgig users grant EMAIL ROLE [ROLE...]")
    p.add_argument("email")
    p.add_argument("roles", nargs="+", choices=["finance", "auditor", "admin", "employer", "student"])
    p.set_defaults(run=users_grant)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runtime_tuning.for_event_folding()
    run: Command = args.run
    try:
        return run(args)
    except DomainError as e:
        print(f"fairgig: {e.code}: {e.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
