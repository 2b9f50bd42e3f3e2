"""Charges, transfers and refunds read back from Stripe as Movements, for reconciliation.

Every list goes through the SDK's auto-pagination, so a busy day spanning many pages is read in
full. Only money that actually moved counts: failed charges and failed or cancelled refunds are
left out. A movement that names no gig keeps an empty `gig_id`, so reconciliation can report it
as orphaned instead of it vanishing here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from domain.money import Money
from payments.gateway import Movement

_PAGE_SIZE = 100
_MOVED = {"charge": {"succeeded"}, "transfer": None, "refund": {"succeeded", "pending"}}

Kind = Literal["charge", "transfer", "refund"]


def list_movements(client: Any, *, since: datetime, until: datetime) -> list[Movement]:
    window = {"created": {"gte": _seconds(since), "lt": _seconds(until)}, "limit": _PAGE_SIZE}
    services: dict[Kind, Any] = {
        "charge": client.v1.charges,
        "transfer": client.v1.transfers,
        "refund": client.v1.refunds,
    }
    found: list[Movement] = []
    for kind, service in services.items():
        found.extend(_movements(kind, service.list(params=window).auto_paging_iter()))
    return sorted(found, key=lambda m: (m.created, m.reference))


def _movements(kind: Kind, objects: Iterable[Any]) -> Iterator[Movement]:
    statuses = _MOVED[kind]
    for found in objects:
        obj: dict[str, Any] = found.to_dict()
        if statuses is not None and obj.get("status") not in statuses:
            continue
        yield Movement(
            kind=kind,
            reference=str(obj["id"]),
            gig_id=gig_id_of(obj),
            amount=Money(int(obj["amount"]), str(obj["currency"])),
            created=datetime.fromtimestamp(int(obj["created"]), UTC),
        )


def gig_id_of(obj: dict[str, Any]) -> str:
    """The gig a Stripe object belongs to: its transfer group, else the gig named in its metadata."""
    group = obj.get("transfer_group")
    if group:
        return str(group)
    metadata = obj.get("metadata") or {}
    return str(metadata.get("gig_id") or "")


def _seconds(moment: datetime) -> int:
    """Stripe's `created` is in whole seconds."""
    return int(moment.timestamp())
