"""Time is injected: the domain never reads the system clock itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
