"""The escrow process as a follower of the marketplace log, with tracking.

It owns no tables: its "rows" are money movements at the gateway, made idempotent by keys derived
from the causing event, and the follower's tracking position says which events have been acted on.
A crash between a gateway call and its recorded outcome re-runs the handler, which replays the same
key and so the same movement."""

from __future__ import annotations

from typing import Any, ClassVar

from domain.gig import Gig
from payments.escrow import EscrowProcess
from projections.database import Connection
from projections.read_model import Dialect, PoisonPolicy, ReadModel, handles
from projections.supervision import RetryPolicy

# Network trouble is retried with back-off for as long as it lasts (about a day at the cap), never
# parked: a payout must not be dropped because the gateway was down for an hour.
GATEWAY_RETRY = RetryPolicy(attempts=1500, first_delay=0.5, factor=2.0, max_delay=60.0)


class EscrowPolicy(ReadModel):
    name: ClassVar[str] = "escrow"
    tables: ClassVar[tuple[str, ...]] = ()
    # Stop rather than skip: a payout must never be silently passed over; the dead letter shows why.
    on_poison: ClassVar[PoisonPolicy] = PoisonPolicy.STOP

    def __init__(self, dialect: Dialect, escrow: EscrowProcess) -> None:
        super().__init__(dialect)
        self.escrow = escrow

    def schema(self) -> list[str]:
        return []

    @handles(Gig.Published, Gig.Settled, Gig.StrayFundingRecorded, Gig.FundingExpired)
    def on_decision(self, conn: Connection, event: Any) -> None:
        self.escrow.handle(event)
