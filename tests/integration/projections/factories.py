"""Small factories that drive the Marketplace through its commands for projection tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID, uuid4

from domain.actors import Actor
from domain.brief import Brief
from domain.marketplace import Marketplace, Receipt
from domain.money import Money
from tests.conftest import FakeClock


def brief(clock: FakeClock, **overrides: object) -> Brief:
    fields: dict[str, object] = {
        "title": "Landing page copy review",
        "summary": "Review and tighten the copy of our product landing page",
        "deliverables": ("annotated copy document", "list of headline options"),
        "acceptance_criteria": ("every section reviewed",),
        "skills": ("Copywriting", "marketing"),
        "estimated_hours": 10,
        "pay": Money(40_000, "usd"),
        "deadline": clock() + timedelta(days=30),
        "revision_rounds": 1,
    }
    fields.update(overrides)
    return Brief(**fields)  # type: ignore[arg-type]


@dataclass
class Market:
    app: Marketplace
    clock: FakeClock
    employer: Actor = field(default_factory=lambda: Actor.user(uuid4(), "employer"))
    student: Actor = field(default_factory=lambda: Actor.user(uuid4(), "student"))

    def draft(self, **overrides: object) -> UUID:
        return self.app.create_gig(self.employer, brief(self.clock, **overrides)).gig_id

    def publish(self, **overrides: object) -> UUID:
        gig_id = self.draft(**overrides)
        self.app.publish_gig(self.employer, gig_id)
        return gig_id

    def post(self, **overrides: object) -> UUID:
        """Draft, publish and fund: the gig is on the board."""
        gig_id = self.publish(**overrides)
        gig = self.app.get_gig(gig_id)
        self.app.record_funding(gig_id, f"pi_{gig_id.hex[:8]}", gig.charge_amount)
        return gig_id

    def claim(self, gig_id: UUID, student: Actor | None = None) -> Receipt:
        return self.app.claim_gig(student or self.student, gig_id)

    def submit(self, gig_id: UUID) -> Receipt:
        self.claim(gig_id)
        return self.app.submit_work(self.student, gig_id, "https://example.org/work", "done")
