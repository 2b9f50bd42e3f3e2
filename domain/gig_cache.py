"""Gigs as this process last saved or read them, so that a command can decide without a query.

The cache is only ever a guess about the store: another process may have written a gig since.
That is safe because a save is checked by the store's uniqueness of (gig, version): a decision
taken on a stale gig fails to save, and the Marketplace then evicts the gig, loads it again and
decides again. What the cache must never do is hand out an object that someone else mutates, so
it keeps gigs free of pending events and hands out working copies.

A working copy is a shallow copy of the gig's attributes plus fresh copies of its lists, dicts
and sets, which is far cheaper than `deepcopy` and than decoding the events again. That is enough
because every event's `apply` either assigns attributes or adds new items to those containers;
none mutates a value already inside one (a dict appended to `reviews` is never edited later), and
values such as `Brief`, `Money` and `Settlement` are frozen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from uuid import UUID

from domain.gig import Gig

_CONTAINERS = (list, dict, set)


def working_copy(gig: Gig) -> Gig:
    """A copy of `gig` that can take commands without changing `gig`."""
    state = gig.__dict__.copy()
    for name, value in state.items():
        if type(value) in _CONTAINERS:
            state[name] = value.copy()
    copy: Gig = object.__new__(type(gig))
    copy.__dict__ = state
    return copy


class GigCache:
    """A bounded, thread-safe LRU of pending-free gigs, keyed by id.

    `put` keeps whichever of two gigs is the newer, so a slow reader cannot replace a gig this
    process has since saved with an older version of it."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"a gig cache needs room for at least one gig, not {maxsize}")
        self.maxsize = maxsize
        self._gigs: OrderedDict[UUID, Gig] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._gigs)

    def __contains__(self, gig_id: object) -> bool:
        return gig_id in self._gigs

    def checkout(self, gig_id: UUID) -> Gig | None:
        """A working copy of the cached gig, or None if it is not cached."""
        with self._lock:
            gig = self._gigs.get(gig_id)
            if gig is None:
                return None
            self._gigs.move_to_end(gig_id)
        return working_copy(gig)

    def put(self, gig: Gig) -> None:
        """Keep `gig`, which the caller hands over and must not change afterwards."""
        if gig.pending_events:
            raise ValueError(f"gig {gig.id} has unsaved events; only saved gigs are cached")
        with self._lock:
            cached = self._gigs.get(gig.id)
            if cached is not None and cached.version >= gig.version:
                return
            self._gigs[gig.id] = gig
            self._gigs.move_to_end(gig.id)
            if len(self._gigs) > self.maxsize:
                self._gigs.popitem(last=False)

    def evict(self, gig_id: UUID) -> None:
        with self._lock:
            self._gigs.pop(gig_id, None)
