"""Reading one gig from the gig-detail read model, shaped for the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projections.columns import from_json, money_dict
from projections.database import Database
from projections.due_timers import TIMERS

_HISTORY = {"check_in": "check_ins", "submission": "submissions", "review": "reviews"}


def _due(row: dict[str, Any], deadline: str | None) -> dict[str, str]:
    dates = {**row, "deadline": deadline}
    due = {}
    for name, column, status in TIMERS:
        armed = row["status"] == status if status else not row["ratings_revealed"]
        if armed and dates[column] is not None:
            due[name] = dates[column]
    return due


def _money(row: dict[str, Any], settlement: dict[str, Any] | None) -> dict[str, Any]:
    currency = row["currency"]
    charged = row["charged_amount"]
    held = None
    if charged is not None:
        platform = settlement["platform"] if settlement else 0
        held = charged - row["paid_to_student"] - row["refunded"] - platform
    return {
        "charged": money_dict(charged, currency),
        "paid_to_student": money_dict(row["paid_to_student"], currency),
        "refunded": money_dict(row["refunded"], currency),
        "held": money_dict(held, currency),
    }


def _timeline(entries: Iterable[dict[str, Any]], revealed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"check_ins": [], "submissions": [], "reviews": [], "history": [], "ratings": {}}
    for entry in entries:
        data = from_json(entry["data"])
        item = {"at": entry["at"], "version": entry["version"], **data}
        if entry["kind"] == "rating":
            if revealed:
                out["ratings"][data["side"]] = {
                    "stars": data["stars"],
                    "comment": data["comment"],
                    "at": entry["at"],
                }
            continue
        out[_HISTORY.get(entry["kind"], "history")].append(
            item if entry["kind"] in _HISTORY else {"kind": entry["kind"], **item}
        )
    return out


def gig_detail(db: Database, gig_id: str) -> dict[str, Any] | None:
    """The gig as users see it, or None if the read model has no such gig (yet)."""
    with db.read() as conn:
        row = conn.fetchone("SELECT * FROM gig_details WHERE gig_id = :gig_id", {"gig_id": gig_id})
        if row is None:
            return None
        entries = conn.fetchall(
            "SELECT kind, version, at, data FROM gig_detail_entries WHERE gig_id = :gig_id ORDER BY version",
            {"gig_id": gig_id},
        )
    brief = from_json(row["brief"])
    settlement = from_json(row["settlement"])
    currency = row["currency"]
    return {
        "id": row["gig_id"],
        "status": row["status"],
        "version": row["version"],
        "employer_id": row["employer_id"],
        "claimant_id": row["claimant_id"],
        **brief,
        "pay": money_dict(row["pay_amount"], currency),
        "fee": money_dict(row["fee_amount"], currency),
        "revisions_used": row["revisions_used"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "claimed_at": row["claimed_at"],
        "due": _due(row, brief["deadline"]),
        "settlement": settlement,
        "money": _money(row, settlement),
        "cancel_reason": row["cancel_reason"],
        "ratings_revealed": bool(row["ratings_revealed"]),
        **_timeline(entries, bool(row["ratings_revealed"])),
    }
