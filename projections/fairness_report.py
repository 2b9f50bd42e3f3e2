"""Queries over the fairness read model: the auditor's report and one gig's flags.

Brief flags are read as stored; behaviour flags come from folding the stored facts, so rules that
depend on the time (a payout overdue) are judged at the `now` the caller passes. Gigs are listed
worst first (blocking, then warning, then info), then by id, with keyset pagination on that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.fairness import FairnessPolicy, Flag
from projections.columns import from_json
from projections.database import Connection, Database, Row
from projections.fairness_facts import SEVERITY_LEVEL, fold, load_facts
from projections.fairness_fold import FactFold
from projections.paging import InvalidQuery, checked_limit, decode_cursor, encode_cursor

FlagDict = dict[str, Any]
_SEVERITY_NAME = {level: name for name, level in SEVERITY_LEVEL.items()}
_IN_CHUNK = 500


def severity_level(severity: str | None) -> int:
    """The lowest SEVERITY_LEVEL a flag needs to be listed; None lists every flag."""
    if severity is None:
        return SEVERITY_LEVEL["info"]
    level = SEVERITY_LEVEL.get(severity)
    if level is None:
        raise InvalidQuery("severity must be one of info, warning, blocking", field="severity")
    return level


def _employer_key(employer: str | UUID | None) -> str | None:
    if employer is None or isinstance(employer, UUID):
        return None if employer is None else str(employer)
    try:
        return str(UUID(employer))
    except ValueError:
        raise InvalidQuery("employer must be a user id (a UUID)", field="employer") from None


def _level(flag: FlagDict) -> int:
    return SEVERITY_LEVEL[flag["severity"]]


def _at_least(flags: Iterable[Flag], minimum: int) -> list[FlagDict]:
    return [f.to_dict() for f in flags if SEVERITY_LEVEL[f.severity] >= minimum]


def _worst_first(flags: list[FlagDict]) -> list[FlagDict]:
    # Stable: within a severity, brief flags keep the audit's order and come before log flags.
    return sorted(flags, key=lambda f: -_level(f))


def _rows_by_id(conn: Connection, columns: str, gig_ids: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for start in range(0, len(gig_ids), _IN_CHUNK):
        chunk = gig_ids[start : start + _IN_CHUNK]
        params = {f"g{n}": gig_id for n, gig_id in enumerate(chunk)}
        marks = ", ".join(f":{name}" for name in params)
        for row in conn.fetchall(f"SELECT {columns} FROM fairness_gigs WHERE gig_id IN ({marks})", params):
            found[row["gig_id"]] = row
    return found


def _cursor_after(cursor: str | None) -> tuple[int, str] | None:
    if cursor is None:
        return None
    level, gig_id = decode_cursor(cursor, 2, (int, str))
    return level, gig_id


def fairness_report(
    db: Database,
    *,
    now: datetime,
    severity: str | None = None,
    employer: str | UUID | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    policy: FairnessPolicy | None = None,
    kept: FactFold | None = None,
) -> dict[str, Any]:
    """`GET /audit/fairness`: flagged gigs, worst first, with every flag at `severity` or above,
    and (on the first page only, as they are one summary per employer rather than per gig) the
    employers' scores and flags. `employer` narrows both to one employer, whose score is then
    listed even when it has no flags. `kept`: the process's fold of every fact, advanced rather
    than folded afresh for a report over every employer (its policy is the one judged)."""
    minimum = severity_level(severity)
    employer_id = _employer_key(employer)
    size = checked_limit(limit)
    after = _cursor_after(cursor)
    with db.read() as conn, ExitStack() as held:
        if kept is not None and employer_id is None:
            audit = held.enter_context(kept.current(conn))
        else:
            audit = fold(load_facts(conn, employer_id), policy)
        from_log: dict[str, list[FlagDict]] = {}
        for gig, found in audit.flags(now).items():
            if listed := _at_least(found, minimum):
                from_log[str(gig)] = listed
        where = "brief_worst >= :minimum" + ("" if employer_id is None else " AND employer_id = :employer_id")
        columns = "gig_id, employer_id, status, title, brief_worst"
        gigs = {
            row["gig_id"]: row
            for row in conn.fetchall(
                f"SELECT {columns} FROM fairness_gigs WHERE {where}",
                {"minimum": minimum, "employer_id": employer_id},
            )
        }
        gigs |= _rows_by_id(conn, columns, [g for g in from_log if g not in gigs])
        ranked = sorted(
            (-max(row["brief_worst"] if row["brief_worst"] >= minimum else 0,
                  max(map(_level, from_log.get(gig_id, ())), default=0)), gig_id)
            for gig_id, row in gigs.items()
        )
        if after is not None:
            ranked = [key for key in ranked if key > (-after[0], after[1])]
        page, more = ranked[:size], len(ranked) > size
        briefs = _rows_by_id(
            conn, "gig_id, brief_flags", [g for _, g in page if gigs[g]["brief_worst"] >= minimum]
        )
        # Judged while the fold is held: a kept fold moves on once it is let go.
        scores = list(audit.employer_scores(now).values()) if after is None else []
    items = []
    for negative_level, gig_id in page:
        row = gigs[gig_id]
        brief = briefs.get(gig_id)
        stored: list[FlagDict] = [] if brief is None else from_json(brief["brief_flags"])
        flags = [f for f in stored if _level(f) >= minimum] + from_log.get(gig_id, [])
        items.append({
            "gig_id": gig_id,
            "employer_id": row["employer_id"],
            "status": row["status"],
            "title": row["title"],
            "severity": _SEVERITY_NAME[-negative_level],
            "flags": _worst_first(flags),
        })
    employers = []
    for score in scores:
        listed = _at_least(score.flags, minimum)
        if listed or employer_id is not None:
            employers.append({**score.to_dict(), "flags": _worst_first(listed)})
    employers.sort(key=lambda e: (e["score"], e["employer_id"]))
    last = page[-1] if page else None
    return {
        "items": items,
        "employers": employers,
        "next_cursor": encode_cursor(-last[0], last[1]) if more and last is not None else None,
    }


def gig_fairness(
    db: Database, gig_id: str | UUID, *, now: datetime, policy: FairnessPolicy | None = None
) -> dict[str, Any] | None:
    """`GET /gigs/{id}/fairness`: the brief's flags and the log's flags on this gig, worst first;
    None for a gig the projection has not seen."""
    try:
        key = str(gig_id if isinstance(gig_id, UUID) else UUID(gig_id))
    except ValueError:
        return None
    with db.read() as conn:
        row = conn.fetchone(
            "SELECT employer_id, brief_flags FROM fairness_gigs WHERE gig_id = :gig_id", {"gig_id": key}
        )
        if row is None:
            return None
        audit = fold(load_facts(conn, row["employer_id"]), policy)
    on_gig = audit.flags(now).get(UUID(key), [])
    flags = _worst_first([*from_json(row["brief_flags"]), *(f.to_dict() for f in on_gig)])
    return {"flags": flags, "blocking": any(f["severity"] == "blocking" for f in flags)}
