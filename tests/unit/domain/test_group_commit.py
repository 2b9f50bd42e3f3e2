"""Group commit: concurrent saves share one transaction, and a group that conflicts is saved again
one gig per transaction so that only the stale gig fails."""

from __future__ import annotations

import threading
import time
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from domain.gig import Gig
from domain.marketplace import GroupCommit, Receipt


class FakeGig:
    def __init__(self, stale: bool = False) -> None:
        self.id: UUID = uuid4()
        self.stale = stale


class Store:
    """Saves groups, slowly enough that other threads queue behind the writer; refuses any group
    holding a stale gig, as the recorder's uniqueness constraint would."""

    def __init__(self) -> None:
        self.groups: list[list[Any]] = []
        self.lock = threading.Lock()

    def save(self, gigs: list[Gig]) -> list[Receipt]:
        time.sleep(0.02)
        if any(cast(Any, g).stale for g in gigs):
            raise IntegrityError("duplicate originator version")
        with self.lock:
            self.groups.append(list(gigs))
        return [Receipt(g.id, 1, n) for n, g in enumerate(gigs, start=1)]


def run_concurrently(group: GroupCommit, gigs: list[FakeGig]) -> dict[UUID, Any]:
    results: dict[UUID, Any] = {}

    def one(gig: FakeGig) -> None:
        try:
            results[gig.id] = group.save(cast(Gig, gig))
        except IntegrityError as e:
            results[gig.id] = e

    threads = [threading.Thread(target=one, args=(g,)) for g in gigs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_saves_share_transactions_and_each_gets_its_own_receipt() -> None:
    store = Store()
    gigs = [FakeGig() for _ in range(20)]
    results = run_concurrently(GroupCommit(store.save), gigs)
    assert all(isinstance(results[g.id], Receipt) and results[g.id].gig_id == g.id for g in gigs)
    assert sorted(str(g.id) for group in store.groups for g in group) == sorted(str(g.id) for g in gigs)
    assert len(store.groups) < len(gigs)  # some commands shared a commit


def test_a_conflicting_group_fails_only_the_stale_gig() -> None:
    store = Store()
    gigs = [FakeGig() for _ in range(10)] + [FakeGig(stale=True)]
    results = run_concurrently(GroupCommit(store.save), gigs)
    stale = gigs[-1]
    assert isinstance(results[stale.id], IntegrityError)
    assert all(isinstance(results[g.id], Receipt) for g in gigs[:-1])
    saved = [g.id for group in store.groups for g in group]
    assert sorted(map(str, saved)) == sorted(str(g.id) for g in gigs[:-1])  # each once, stale never


def test_a_lone_save_raises_what_the_store_raises() -> None:
    with pytest.raises(IntegrityError):
        GroupCommit(Store().save).save(cast(Gig, FakeGig(stale=True)))
