"""The behaviour fold over every stored fact, kept by a process that serves the whole fairness
report and advanced by the facts stored since it last looked.

Facts are append-only and numbered gap-free in log order (`seq`), and a rebuild numbers the same
log's facts the same way, so a fold that has seen facts 1..n stays right and needs only the facts
after n. Over 100,000 gigs (490,000 facts) reading and folding every fact took most of a report's
14 to 22 s; the fold's state is ~33 MiB, and judging it at a given time (`flags(now)`) ~0.1 s. A table
holding fewer facts than the fold has seen (a rebuild under way) starts the fold afresh, so the
report never runs ahead of the read model. One employer's report and one gig's flags still fold
only that employer's facts, per request: milliseconds, and nothing to keep.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from domain.fairness import BehaviourAudit, FairnessPolicy
from projections.database import Connection, Database
from projections.fairness_facts import facts_after, last_seq


class FactFold:
    def __init__(self, policy: FairnessPolicy | None = None) -> None:
        self.policy = policy
        self._audit = BehaviourAudit(policy)
        self._seq = 0
        # Requests are served by several threads; the fold is advanced and judged by one at a time.
        self._lock = threading.Lock()

    @property
    def seen(self) -> int:
        """The `seq` of the last fact folded."""
        return self._seq

    @contextmanager
    def current(self, conn: Connection) -> Iterator[BehaviourAudit]:
        """The fold of every fact `conn` sees, held for the caller until the block ends."""
        with self._lock:
            head = last_seq(conn)
            if head < self._seq:
                self._audit, self._seq = BehaviourAudit(self.policy), 0
            if head > self._seq:
                facts, self._seq = facts_after(conn, self._seq)
                observe = self._audit.observe_fact
                for fact in facts:
                    observe(fact)
            yield self._audit

    def warm(self, db: Database) -> int:
        """Fold every fact stored now, so that the next whole report only advances the fold;
        the `seq` folded up to."""
        with db.read() as conn, self.current(conn):
            return self._seq
