"""The base of every read model: its tables, its handlers (one per event type) and its policy
for an event it cannot process.

A handler is a method decorated with `@handles(EventClass)`; it also receives the subclasses of
that class (so `Gig.ClaimReleased` covers declined, withdrawn and expired claims). The topics a
model handles are derived from its handlers, so the follower decodes nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar

from eventsourcing.utils import get_topic

from projections.database import Connection

Dialect = Literal["sqlite", "postgres"]
Handler = Callable[[Any, Connection, Any], None]
F = TypeVar("F", bound=Callable[..., None])


class PoisonPolicy(StrEnum):
    """What a follower does once an event has failed every retry and is parked."""

    STOP = "stop"
    """Halt the projection: its rows stay consistent but stop moving until someone fixes it."""
    SKIP = "skip"
    """Go on past the event: the rows keep moving but may miss what that event meant."""


def handles(*event_classes: type) -> Callable[[F], F]:
    def mark(method: F) -> F:
        method._handles = event_classes  # type: ignore[attr-defined]
        return method

    return mark


def _with_subclasses(cls: type) -> list[type]:
    found: list[type] = [cls]
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found.extend(_with_subclasses(sub))
    return found


class ReadModel:
    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    """Every table the model owns, dropped on rebuild (children before parents)."""
    on_poison: ClassVar[PoisonPolicy] = PoisonPolicy.STOP
    _handlers: ClassVar[dict[type, Handler]]

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for attr in vars(cls).values():
            for event_class in getattr(attr, "_handles", ()):
                cls._handlers[event_class] = attr

    def schema(self) -> list[str]:
        """CREATE statements for `self.dialect`, idempotent (IF NOT EXISTS)."""
        raise NotImplementedError

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {table}" for table in self.tables]

    @property
    def topics(self) -> tuple[str, ...]:
        classes: set[type] = {sub for cls in self._handlers for sub in _with_subclasses(cls)}
        return tuple(sorted(get_topic(cls) for cls in classes))

    def page_started(self) -> None:
        """Before a page's events are handled. A model that defers work to the end of the page
        (to do it once per row rather than once per event) forgets here what a page that
        rolled back left behind."""

    def page_finished(self, conn: Connection) -> None:
        """After a page's events, in the same transaction, before the position moves."""

    def handle(self, conn: Connection, event: Any) -> None:
        for cls in type(event).__mro__:
            handler = self._handlers.get(cls)
            if handler is not None:
                handler(self, conn, event)
                return
