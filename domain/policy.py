"""The lifecycle's defaults: windows and percentages that are part of the product, each configurable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    funding_window: timedelta = timedelta(hours=24)
    claim_window: timedelta = timedelta(hours=72)
    review_window: timedelta = timedelta(days=7)
    dispute_window: timedelta = timedelta(days=7)
    rating_window: timedelta = timedelta(days=7)
    kill_fee_percent: int = 25
    platform_fee_bps: int = 1000
