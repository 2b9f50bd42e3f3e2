"""Printing figures and writing them to docs/benchmarks.md.

Each benchmark owns a marked section of the document, replaced when that benchmark runs and left
alone otherwise, so a run of one benchmark does not erase the others' figures; the prose around
the sections (what each optimisation bought, profiles) is kept as written.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.harness import Figure

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _verdict(figure: Figure) -> tuple[str, str]:
    if not figure.targets:
        return "", ""
    texts = "; ".join(t.text for t, _ in figure.verdicts)
    met = ["—" if ok is None else ("met" if ok else "**missed**") for _, ok in figure.verdicts]
    return texts, ", ".join(met)


def rows(figures: Sequence[Figure]) -> list[list[str]]:
    table = []
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        ceiling = "" if f.ceiling is None else f"{_number(f.ceiling)} ({f.ceiling_what})"
        target, met = _verdict(f)
        table.append([f.backend, f.what, f"{_number(f.value)} {f.unit}", ceiling, ratio, target, met])
    return table


HEADER = ["backend", "what", "figure", "ceiling, same run", "ratio", "target", "met"]


def markdown(figures: Sequence[Figure]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows(figures)]
    return "\n".join(lines)


def plain(name: str, figures: Sequence[Figure]) -> str:
    table = [HEADER, *rows(figures)]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    out = [f"== {name}"]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return "\n".join(out)


def _postgres_version(dsn: str) -> str:
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            fsync = conn.execute("SHOW fsync").fetchone()
            commit = conn.execute("SHOW synchronous_commit").fetchone()
    except psycopg.Error:
        return "not reachable"
    assert row is not None and fsync is not None and commit is not None
    return f"{row[0]} (fsync {fsync[0]}, synchronous_commit {commit[0]})"


def _memory() -> str:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    return "unknown"


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor()
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def machine(dsn: str) -> str:
    return (
        f"- CPU: {os.cpu_count()} cores (`nproc`), {_cpu()}\n"
        f"- memory: {_memory()}\n"
        f"- PostgreSQL {_postgres_version(dsn)}, on the same machine (127.0.0.1)\n"
        f"- Python {platform.python_version()}, {platform.system()} {platform.release()}\n"
        "- the load generators run on the same two cores as the servers and the database, so every "
        "figure here is for a machine shared by client, server and database"
    )


def _replace(doc: str, key: str, body: str) -> str:
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(doc):
        return pattern.sub(lambda _: block, doc)
    return doc.rstrip() + "\n\n" + block + "\n"


def write(sections: dict[str, tuple[str, Sequence[Figure], list[str]]], command: str, dsn: str) -> Path:
    """`sections`: benchmark name → (title, figures, notes)."""
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    doc = _replace(doc, "machine", f"Last run {when}: `{command}`\n\n{machine(dsn)}")
    for name, (title, figures, notes) in sections.items():
        body = [f"### {title}", "", f"`{command}`, {when}", "", markdown(figures)]
        if notes:
            body += ["", *[f"- {n}" for n in notes]]
        doc = _replace(doc, name, "\n".join(body))
    DOC.write_text(doc)
    return DOC
