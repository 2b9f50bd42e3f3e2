"""Projection benchmarks, kept under their old name: catch-up (c) and lag (d) through the shared
harness. `python -m bench.projections_bench [--quick]` is `python -m bench catchup lag [--quick]`."""

from __future__ import annotations

import sys

from bench.__main__ import main as run_benchmarks


def main(argv: list[str] | None = None) -> int:
    return run_benchmarks(["catchup", "lag", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
