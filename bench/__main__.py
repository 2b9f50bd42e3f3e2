"""`python -m bench [--quick] [NAME ...]`: run the benchmarks, print their figures with the
ceilings measured in the same run, and write them to docs/benchmarks.md.

Every benchmark talks only to 127.0.0.1 (PostgreSQL from FAIRGIG_TEST_POSTGRES_DSN, servers it
starts itself) and is stopped if it outlives its time limit.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from types import FrameType

from bench.harness import Context, Figure, Sizes
from bench.report import plain, write
from bench.stores import postgres_reachable
from tests.conftest import POSTGRES_DSN

BENCHMARKS: dict[str, tuple[str, str]] = {
    "commands": ("bench.commands_bench", "(a) commands through the application"),
    "http": ("bench.http_bench", "(b) HTTP: board reads and the claim → submit → approve flow"),
    "catchup": ("bench.catchup_bench", "(c) projection catch-up and rebuild"),
    "lag": ("bench.lag_bench", "(d) command-to-read-model lag under steady load"),
    "export": ("bench.export_bench", "(e) JSONL audit export"),
    "fairness": ("bench.fairness_bench", "(f) fairness audit"),
    "memory": ("bench.memory_bench", "(g) peak RSS of the API and the worker processes"),
}


class OutOfTime(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise OutOfTime


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes in all")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument(
        "--limit", type=float, default=0, help="seconds each benchmark may take (default 300/900)"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parse(raw)
    if not postgres_reachable(POSTGRES_DSN):
        print(f"PostgreSQL is not reachable at {POSTGRES_DSN}; every benchmark needs it", file=sys.stderr)
        return 2
    names = args.names or list(BENCHMARKS)
    limit = int(args.limit or (300 if args.quick else 900))
    sizes = Sizes.for_run(args.quick)
    sections: dict[str, tuple[str, Sequence[Figure], list[str]]] = {}
    failed = False
    signal.signal(signal.SIGALRM, _alarm)
    for name in names:
        module, title = BENCHMARKS[name]
        ctx = Context(sizes, POSTGRES_DSN)
        run: Callable[[Context], list[Figure]] = importlib.import_module(module).run
        print(f"-- {name}: {title}", flush=True)
        signal.alarm(limit)
        try:
            figures = run(ctx)
        except OutOfTime:
            failed = True
            ctx.notes.append(f"stopped after its limit of {limit} s")
            figures = []
        except Exception:
            failed = True
            traceback.print_exc()
            ctx.notes.append("failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1])
            figures = []
        finally:
            signal.alarm(0)
        print(plain(name, figures), flush=True)
        for note in ctx.notes:
            print(f"   {note}")
        sections[name] = (title, figures, ctx.notes)
    if not args.no_write:
        command = "python -m bench" + (" " + shlex.join(raw) if raw else "")
        print(f"written to {write(sections, command, POSTGRES_DSN)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
