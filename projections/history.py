"""A gig as it stood at a past instant or version, with the events that made it so.

The aggregate is rebuilt by the repository at the version in force then (so snapshots and
upcasting apply exactly as they do for commands); an instant is turned into that version by the
event timestamps, which the domain takes from the injected clock when it decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.gig import Gig
from domain.marketplace import GigNotFound, Marketplace
from projections.audit_log import type_of


@dataclass(frozen=True, slots=True)
class GigHistory:
    gig: Gig
    version: int
    events: list[dict[str, Any]]
    """{version, type, at, data} for each event up to `version`, oldest first."""


def event_json(event: Any) -> dict[str, Any]:
    data = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version")}
    return {
        "version": event.originator_version,
        "type": type_of(type(event).__qualname__),
        "at": msgspec.to_builtins(event.timestamp),
        "data": msgspec.to_builtins(data),
    }


def history(app: Marketplace, gig_id: UUID, as_of: datetime | int) -> GigHistory:
    """`as_of` is an instant (events stamped at or before it count) or a version number."""
    events = []
    stored: list[Any] = list(app.events.get(gig_id))
    for event in stored:
        then = event.originator_version <= as_of if isinstance(as_of, int) else event.timestamp <= as_of
        if not then:
            break
        events.append(event)
    if not events:
        raise GigNotFound(f"gig {gig_id} did not exist as of {as_of}", gig_id=str(gig_id))
    version = events[-1].originator_version
    return GigHistory(app.get_gig(gig_id, version=version), version, [event_json(e) for e in events])
