"""Where the simulated gateway keeps the money it "moved", so that reconciliation from another
process (`fairgig reconcile`) or after a restart sees the same movements a real gateway would
report. References are derived from idempotency keys, so a replay inserts nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from domain.money import Money
from payments.gateway import Movement
from projections.database import Database

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS simulated_movements ("
    " reference TEXT PRIMARY KEY, kind TEXT NOT NULL, gig_id TEXT NOT NULL,"
    " amount BIGINT NOT NULL, currency TEXT NOT NULL, created TEXT NOT NULL)"
)


def _utc(moment: datetime) -> str:
    """One offset for every stamp, so that text order is time order."""
    return moment.astimezone(UTC).isoformat()


class MovementJournal(Protocol):
    def record(self, movement: Movement) -> None: ...
    def between(self, since: datetime, until: datetime) -> list[Movement]: ...


class SqlMovementJournal:
    def __init__(self, db: Database) -> None:
        self.db = db
        with db.transaction() as conn:
            conn.execute(_SCHEMA)

    def record(self, movement: Movement) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO simulated_movements (reference, kind, gig_id, amount, currency, created)"
                " VALUES (:r, :k, :g, :a, :c, :t) ON CONFLICT (reference) DO NOTHING",
                {
                    "r": movement.reference,
                    "k": movement.kind,
                    "g": movement.gig_id,
                    "a": movement.amount.amount,
                    "c": movement.amount.currency,
                    "t": movement.created.isoformat(),
                },
            )

    def between(self, since: datetime, until: datetime) -> list[Movement]:
        with self.db.read() as conn:
            rows = conn.fetchall(
                "SELECT * FROM simulated_movements WHERE created >= :s AND created < :u"
                " ORDER BY created, reference",
                {"s": _utc(since), "u": _utc(until)},
            )
        return [
            Movement(
                row["kind"],
                row["reference"],
                row["gig_id"],
                Money(int(row["amount"]), row["currency"]),
                datetime.fromisoformat(row["created"]),
            )
            for row in rows
        ]
