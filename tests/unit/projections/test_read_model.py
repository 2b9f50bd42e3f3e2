from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.gig import Gig
from projections.database import Connection
from projections.read_model import ReadModel, handles


class Releases(ReadModel):
    name = "releases"
    tables = ()

    def __init__(self) -> None:
        super().__init__("sqlite")
        self.seen: list[str] = []

    @handles(Gig.ClaimReleased)
    def on_released(self, conn: Connection, event: Any) -> None:
        self.seen.append(type(event).__name__)


def test_a_handler_for_a_base_event_covers_the_topics_of_its_subclasses() -> None:
    assert set(Releases().topics) == {
        get_topic(cls) for cls in (Gig.ClaimReleased, Gig.ClaimDeclined, Gig.Withdrawn, Gig.ClaimExpired)
    }


def test_events_are_dispatched_to_the_nearest_handler_and_others_ignored() -> None:
    model = Releases()
    expired = object.__new__(Gig.ClaimExpired)
    claimed = object.__new__(Gig.Claimed)
    model.handle(None, expired)  # type: ignore[arg-type]
    model.handle(None, claimed)  # type: ignore[arg-type]
    assert model.seen == ["ClaimExpired"]
