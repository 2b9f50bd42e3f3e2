"""The audit's thresholds: platform defaults from the design, each configurable per deployment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.money import Money


@dataclass(frozen=True, slots=True)
class FairnessPolicy:
    # Parker Dewey's floor for micro-internships; a deployment in another currency sets its own.
    platform_floor: Money = field(default_factory=lambda: Money(2000, "usd"))
    min_hours: int = 5
    max_hours: int = 40
    # A student fits a gig around classes: 40 hours over a week is the design's upper pace.
    max_hours_per_day: int = 6
    min_summary_words: int = 12
    payout_window: timedelta = timedelta(days=3)
    repost_window: timedelta = timedelta(days=30)
    repost_similarity: float = 0.6
    pattern_window: timedelta = timedelta(days=90)
    claim_cancellations_threshold: int = 3
    auto_approvals_threshold: int = 3
