"""Who is acting: a signed-in user with roles, or the clock that fires timers."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

ROLES = frozenset({"employer", "student", "finance", "auditor", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: UUID | None
    roles: frozenset[str]

    @classmethod
    def user(cls, user_id: UUID, *roles: str) -> Actor:
        return cls(user_id, frozenset(roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_clock(self) -> bool:
        return "clock" in self.roles

    @property
    def label(self) -> str:
        return "clock" if self.is_clock else str(self.user_id)


CLOCK = Actor(None, frozenset({"clock"}))
