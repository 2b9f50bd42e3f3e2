"""Group commit when a group conflicts: a conflict that names its gig fails only that gig and the
rest are saved together again; two commands on one gig are never saved in one transaction."""

from __future__ import annotations

import threading
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.gig import Gig
from domain.marketplace import GroupCommit, Receipt


class FakeGig:
    def __init__(self, gig_id: UUID | None = None, stale: bool = False) -> None:
        self.id: UUID = gig_id or uuid4()
        self.stale = stale


class NamingStore:
    """Refuses a group holding a stale gig, or two gigs with one id, naming the gig as
    PostgreSQL's uniqueness violation does; records every transaction it was asked for."""

    def __init__(self) -> None:
        self.transactions: list[list[Any]] = []
        self.saved: list[Any] = []
        self.ids_saved: set[UUID] = set()

    def save(self, gigs: list[Gig]) -> list[Receipt]:
        group = [cast(Any, g) for g in gigs]
        self.transactions.append(group)
        ids = [g.id for g in group]
        for g in group:
            if g.stale or g.id in self.ids_saved or ids.count(g.id) > 1:
                raise IntegrityError(f"Key (originator_id, originator_version)=({g.id}, 2) already exists.")
        self.saved.extend(group)
        self.ids_saved.update(ids)
        return [Receipt(g.id, 2, n) for n, g in enumerate(group, start=1)]


def _write_as_one_group(store: NamingStore, gigs: list[FakeGig]) -> dict[int, Any]:
    """Queue every gig behind a writer that is held up, so they form one group."""
    group = GroupCommit(store.save)
    release = threading.Event()
    results: dict[int, Any] = {}
    original = store.save

    def held(gigs: list[Gig]) -> list[Receipt]:
        release.wait(5)
        return original(gigs)

    group._save = held

    def one(n: int, gig: FakeGig) -> None:
        try:
            results[n] = group.save(cast(Gig, gig))
        except IntegrityError as e:
            results[n] = e

    first = FakeGig()
    leader = threading.Thread(target=one, args=(-1, first))
    leader.start()
    while not group._writing:
        pass
    threads = [threading.Thread(target=one, args=(n, g)) for n, g in enumerate(gigs)]
    for t in threads:
        t.start()
    while len(group._queue) < len(gigs):
        pass
    release.set()
    for t in [leader, *threads]:
        t.join()
    return results


def test_a_conflict_naming_its_gig_fails_that_gig_and_saves_the_rest_together() -> None:
    store = NamingStore()
    gigs = [FakeGig() for _ in range(6)]
    gigs[3].stale = True

    results = _write_as_one_group(store, gigs)

    assert isinstance(results[3], IntegrityError)
    assert all(isinstance(results[n], Receipt) and results[n].gig_id == gigs[n].id for n in (0, 1, 2, 4, 5))
    fresh = {gigs[n].id for n in (0, 1, 2, 4, 5)}
    assert {g.id for g in store.saved} - {g.id for g in store.transactions[0]} == fresh
    assert len(store.transactions) == 3  # the leader alone, the group, the group without the stale gig
    assert {g.id for g in store.transactions[-1]} == fresh


def test_two_commands_on_one_gig_go_in_separate_transactions_and_the_first_wins() -> None:
    store = NamingStore()
    shared = uuid4()
    gigs = [FakeGig(), FakeGig(shared), FakeGig(), FakeGig(shared)]

    results = _write_as_one_group(store, gigs)

    assert isinstance(results[1], Receipt) and isinstance(results[3], IntegrityError)
    assert isinstance(results[0], Receipt) and isinstance(results[2], Receipt)
    assert all(len({g.id for g in t}) == len(t) for t in store.transactions)
    assert [g.id for g in store.saved].count(shared) == 1
