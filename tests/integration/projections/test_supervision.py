from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.gig import Gig
from projections.database import Connection, Database
from projections.follower import Follower
from projections.read_model import PoisonPolicy, ReadModel, handles
from projections.status import RunState, projection_status
from projections.supervision import RetryPolicy
from projections.tracking import dead_letters
from tests.integration.projections.factories import Market


class ClaimLog(ReadModel):
    """Records every claim; raises on the claims of the gigs in `poison`, a given number of times."""

    name = "claim_log"
    tables = ("claim_log",)

    def __init__(self, dialect: Any, poison: dict[UUID, int], policy: PoisonPolicy) -> None:
        super().__init__(dialect)
        self.poison = poison
        self.on_poison = policy  # type: ignore[misc]
        self.attempts = 0

    def schema(self) -> list[str]:
        return ["CREATE TABLE IF NOT EXISTS claim_log (gig_id TEXT PRIMARY KEY, student_id TEXT NOT NULL)"]

    @handles(Gig.Claimed)
    def on_claimed(self, conn: Connection, event: Gig.Claimed) -> None:
        if self.poison.get(event.originator_id, 0):
            self.attempts += 1
            self.poison[event.originator_id] -= 1
            raise ValueError(f"cannot project the claim of {event.originator_id}")
        conn.execute(
            "INSERT INTO claim_log (gig_id, student_id) VALUES (:g, :s)",
            {"g": str(event.originator_id), "s": str(event.student_id)},
        )


def claimed_gigs(db: Database) -> set[str]:
    with db.read() as conn:
        return {row["gig_id"] for row in conn.fetchall("SELECT gig_id FROM claim_log")}


def three_claims(market: Market) -> list[UUID]:
    gigs = [market.post() for _ in range(3)]
    for gig_id in gigs:
        market.claim(gig_id)
    return gigs


def follower(market: Market, db: Database, model: ClaimLog, page_size: int = 500) -> Follower:
    return Follower(
        model, market.app, db, retry=RetryPolicy(attempts=3, first_delay=0.001), page_size=page_size
    )


def test_a_poison_event_is_retried_then_parked_and_skipped(market: Market, db: Database) -> None:
    first, poisoned, last = three_claims(market)
    model = ClaimLog(db.dialect, {poisoned: 99}, PoisonPolicy.SKIP)
    f = follower(market, db, model)

    f.catch_up()

    assert model.attempts == 3
    assert claimed_gigs(db) == {str(first), str(last)}
    head = market.app.recorder.max_notification_id()
    assert f.position == head
    with db.read() as conn:
        (letter,) = dead_letters(conn, "claim_log")
    assert letter.originator_id == str(poisoned)
    assert letter.topic.endswith("Gig.Claimed")
    assert letter.error == f"ValueError: cannot project the claim of {poisoned}"
    status = projection_status(
        market.app, db, ["claim_log"], run_states={"claim_log": RunState(False, f.halted)}
    )
    assert status["projections"][0] | {"lag_seconds": None} == {
        "name": "claim_log",
        "position": head,
        "lag_events": 0,
        "lag_seconds": None,
        "dead_letters": 1,
        "running": False,
        "halted": None,
        "last_error": None,
    }
    assert status["ready"] is True


def test_a_poison_event_stops_a_projection_whose_policy_is_stop(market: Market, db: Database) -> None:
    first, poisoned, _last = three_claims(market)
    model = ClaimLog(db.dialect, {poisoned: 99}, PoisonPolicy.STOP)
    f = follower(market, db, model)

    f.catch_up()

    assert claimed_gigs(db) == {str(first)}
    with db.read() as conn:
        (letter,) = dead_letters(conn, "claim_log")
    assert f.position == letter.position - 1
    assert f.halted is not None and "cannot project the claim" in f.halted
    status = projection_status(
        market.app, db, ["claim_log"], run_states={"claim_log": RunState(False, f.halted)}
    )
    row = status["projections"][0]
    assert (row["dead_letters"], row["halted"], status["ready"]) == (1, f.halted, False)
    assert row["lag_events"] == (market.app.recorder.max_notification_id() or 0) - f.position
    assert row["lag_seconds"] is not None and row["lag_seconds"] >= 0


def test_a_transient_failure_is_retried_without_a_dead_letter(market: Market, db: Database) -> None:
    gigs = three_claims(market)
    model = ClaimLog(db.dialect, {gigs[1]: 2}, PoisonPolicy.STOP)
    f = follower(market, db, model, page_size=2)

    f.catch_up()

    assert claimed_gigs(db) == {str(g) for g in gigs}
    assert f.halted is None
    with db.read() as conn:
        assert dead_letters(conn) == []
