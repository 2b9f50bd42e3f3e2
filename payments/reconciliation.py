"""Reconciliation: the ledger's money movements against what the payment gateway reports.

Both sides are lists of `Movement` (charge, transfer or refund; reference; gig; amount). A movement
is matched by (kind, reference) — references are the gateway's own ids, recorded in the log by the
escrow process — and then sorted into one bucket: matched, missing in the gateway, missing in the
ledger, amount mismatch, currency mismatch or gig mismatch. Buckets are documented in
docs/finance.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.money import Money
from payments.gateway import Movement
from projections.columns import iso, parse_iso
from projections.database import Database

Key = tuple[str, str]
BUCKETS = (
    "matched",
    "missing_in_gateway",
    "missing_in_ledger",
    "amount_mismatch",
    "currency_mismatch",
    "gig_mismatch",
)


class ReportsMovements(Protocol):
    """The one part of the PaymentGateway that reconciliation needs."""

    def movements(self, *, since: datetime, until: datetime) -> list[Movement]: ...


@dataclass(frozen=True, slots=True)
class Mismatch:
    ledger: Movement
    gateway: Movement


@dataclass(frozen=True, slots=True)
class BucketTotal:
    count: int = 0
    ledger: dict[str, int] = field(default_factory=dict)
    """Sum of the ledger's amounts per currency."""
    gateway: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    matched: list[Movement] = field(default_factory=list)
    missing_in_gateway: list[Movement] = field(default_factory=list)
    missing_in_ledger: list[Movement] = field(default_factory=list)
    amount_mismatch: list[Mismatch] = field(default_factory=list)
    currency_mismatch: list[Mismatch] = field(default_factory=list)
    gig_mismatch: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(not getattr(self, bucket) for bucket in BUCKETS if bucket != "matched")

    @property
    def totals(self) -> dict[str, BucketTotal]:
        return {bucket: _total(getattr(self, bucket), bucket) for bucket in BUCKETS}


def _add(sums: dict[str, int], money: Money) -> None:
    sums[money.currency] = sums.get(money.currency, 0) + money.amount


def _total(items: list[Any], bucket: str) -> BucketTotal:
    total = BucketTotal(count=len(items))
    for item in items:
        ledger, gateway = (item.ledger, item.gateway) if isinstance(item, Mismatch) else (item, item)
        if bucket != "missing_in_ledger":
            _add(total.ledger, ledger.amount)
        if bucket != "missing_in_gateway":
            _add(total.gateway, gateway.amount)
    return total


def _by_key(movements: Iterable[Movement]) -> dict[Key, Movement]:
    """One movement per (kind, reference); a gateway listing that repeats one across pages
    still counts it once."""
    keyed: dict[Key, Movement] = {}
    for movement in movements:
        keyed.setdefault((movement.kind, movement.reference), movement)
    return keyed


def _charges_by_gig(movements: Iterable[Movement]) -> dict[str, Movement]:
    """Gateway charges that are the only unmatched charge of their gig."""
    found: dict[str, list[Movement]] = {}
    for movement in movements:
        if movement.kind == "charge" and movement.gig_id:
            found.setdefault(movement.gig_id, []).append(movement)
    return {gig: charges[0] for gig, charges in found.items() if len(charges) == 1}


def _sort(result: Reconciliation, mine: Movement, seen: Movement | None) -> None:
    if seen is None:
        result.missing_in_gateway.append(mine)
    elif seen.amount.currency != mine.amount.currency:
        result.currency_mismatch.append(Mismatch(mine, seen))
    elif seen.amount.amount != mine.amount.amount:
        result.amount_mismatch.append(Mismatch(mine, seen))
    elif seen.gig_id and mine.gig_id != seen.gig_id:
        result.gig_mismatch.append(Mismatch(mine, seen))
    else:
        result.matched.append(mine)


def reconcile(ledger: Iterable[Movement], gateway: Iterable[Movement]) -> Reconciliation:
    """Sort every movement of either side into exactly one bucket."""
    ours, theirs = _by_key(ledger), _by_key(gateway)
    pairs = [(mine, theirs.pop(key, None)) for key, mine in ours.items()]
    # The log records a funding by its PaymentIntent while a gateway may list the Charge made
    # for it: an unmatched charge pairs with the gig's one unmatched gateway charge.
    charges = _charges_by_gig(theirs.values())
    result = Reconciliation()
    for mine, seen in pairs:
        if seen is None and mine.kind == "charge" and mine.gig_id in charges:
            seen = charges.pop(mine.gig_id)
            del theirs[(seen.kind, seen.reference)]
        _sort(result, mine, seen)
    result.missing_in_ledger.extend(theirs.values())
    return result


def _money(row: dict[str, Any]) -> Money:
    return Money(int(row["amount"]), row["currency"])


def ledger_movements(db: Database, since: datetime, until: datetime) -> list[Movement]:
    """The ledger side: each money movement is the one positive posting (or, for a charge, the
    pay and fee postings) carrying the gateway's reference."""
    with db.transaction() as conn:
        rows = conn.fetchall(
            "SELECT kind, reference, gig_id, currency, SUM(amount) AS amount, MIN(at) AS at"
            " FROM ledger_postings WHERE reference IS NOT NULL AND amount > 0"
            " AND at >= :since AND at < :until"
            " GROUP BY kind, reference, gig_id, currency ORDER BY MIN(position)",
            {"since": iso(since), "until": iso(until)},
        )
    return [Movement(r["kind"], r["reference"], r["gig_id"], _money(r), parse_iso(r["at"])) for r in rows]


def reconcile_period(
    db: Database,
    gateway: ReportsMovements,
    since: datetime,
    until: datetime,
    *,
    slack: timedelta = timedelta(hours=1),
) -> Reconciliation:
    """Reconcile [since, until). The gateway stamps a movement when it makes it and the ledger
    when the log records it, moments apart; the gateway is asked for a wider window so a
    movement near an edge still finds its match, and its unmatched movements outside the period
    are left to the neighbouring period."""
    ours = ledger_movements(db, since, until)
    theirs = gateway.movements(since=since - slack, until=until + slack)
    result = reconcile(ours, theirs)
    in_period = [m for m in result.missing_in_ledger if since <= m.created < until]
    result.missing_in_ledger[:] = in_period
    return result
