"""The fairness read model: every gig's brief flags and status, and the log's behaviour facts.

Two tables:
- `fairness_gigs`, one row per gig: employer, status, title, and the brief's scope and pay flags,
  computed by `audit_brief` when the draft is created or edited, dated by that event's timestamp
  (what the employer was shown then; a replay a year later gives the same flags).
- `fairness_facts`, one row per event a behaviour rule reads, reduced to a `Fact` (gig, version,
  employer, kind, time, and the student, number or brief fingerprint some kinds carry), in log
  order (`seq`).

Why facts folded at query time rather than the fold's state stored per employer: the fold
(`BehaviourAudit`) keeps deques of events inside sliding windows, fingerprints of rejected briefs
and per-student revision counts. Storing that per employer means reading, decoding and rewriting
the employer's whole state on every event, a second serialised copy of the rules' internals to keep
in step with them, and a schema change whenever a rule changes. Facts are append-only, cheap to
write (a page's facts go in one batch, with one read of MAX(seq) per page), readable by an
auditor, and any rule (or a changed policy) is applied to the whole history by the next query.
Every rule's state is per employer, so a report for one employer, and one gig's flags, fold only
that employer's facts; the full report is served from a fold each API process keeps and advances
by the facts stored since (`projections.fairness_fold`; timings in docs/fairness.md), which a
restarted process builds again from the table: nothing is lost.

`seq` counts on from MAX(seq) inside the follower's transaction rather than a database sequence: it is then
gap-free and identical after a crash-and-resume and after a rebuild (a PostgreSQL sequence is not
rolled back with the transaction).
"""

from __future__ import annotations

from typing import Any

from domain.fairness import FairnessPolicy, Flag, WageTable, audit_brief
from domain.fairness.behaviour import Fact
from domain.fairness.brief_text import BriefText
from domain.fairness.similarity import fingerprint_of
from domain.fairness.wage_data import default_wage_table
from domain.gig import Gig
from projections.columns import to_json
from projections.database import Connection
from projections.fairness_facts import SEVERITY_LEVEL, fact_row, last_seq
from projections.gig_states import STATUS_AFTER, status_after
from projections.read_model import (
    BufferedReadModel,
    Dialect,
    NewRows,
    PoisonPolicy,
    Rows,
    handles,
    iso_at,
    text_id,
)

_DRAFTING = (Gig.DraftCreated, Gig.DraftEdited)


def worst_level(flags: list[Flag] | tuple[Flag, ...]) -> int:
    """The highest severity among `flags` as a SEVERITY_LEVEL number; 0 for none."""
    return max((SEVERITY_LEVEL[f.severity] for f in flags), default=0)


_GIG_COLUMNS = ("gig_id", "employer_id", "status", "title", "brief_flags", "brief_worst", "updated_at")
_FACT_COLUMNS = ("seq", "gig_id", "version", "employer_id", "kind", "at", "student_id", "number", "words")


class FairnessModel(BufferedReadModel):
    """Each page folds every gig's events into its `fairness_gigs` row in memory and writes each
    changed row once, and the page's facts with one statement; `seq` counts on from the highest
    number the page found, in log order, as before."""

    name = "fairness"
    writes_behind = True
    tables = ("fairness_facts", "fairness_gigs")
    # An audit that silently lacks the event proving a flag is worse than one visibly stopped.
    on_poison = PoisonPolicy.STOP

    def __init__(
        self, dialect: Dialect, *, policy: FairnessPolicy | None = None, wages: WageTable | None = None
    ) -> None:
        super().__init__(dialect)
        self.policy = policy or FairnessPolicy()
        self.wages = wages or default_wage_table()
        self.gigs = Rows(dialect, "fairness_gigs", ("gig_id",), _GIG_COLUMNS)
        self.facts = NewRows("fairness_facts", _FACT_COLUMNS)
        self._last_seq: int | None = None

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def additions(self) -> list[NewRows]:
        return [self.facts]

    def page_started(self) -> None:
        super().page_started()
        self._last_seq = None

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS fairness_gigs (gig_id TEXT PRIMARY KEY, employer_id TEXT NOT NULL,"
            " status TEXT NOT NULL, title TEXT NOT NULL, brief_flags TEXT NOT NULL,"
            " brief_worst INTEGER NOT NULL, updated_at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS fairness_gigs_by_employer ON fairness_gigs"
            " (employer_id, brief_worst)",
            "CREATE INDEX IF NOT EXISTS fairness_gigs_by_worst ON fairness_gigs (brief_worst)",
            "CREATE TABLE IF NOT EXISTS fairness_facts (seq BIGINT PRIMARY KEY, gig_id TEXT NOT NULL,"
            " version BIGINT NOT NULL, employer_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,"
            " student_id TEXT, number INTEGER, words TEXT)",
            "CREATE INDEX IF NOT EXISTS fairness_facts_by_employer ON fairness_facts (employer_id, seq)",
        ]

    # ---- the brief -------------------------------------------------------------------------

    def _brief_columns(self, event: Gig.DraftCreated | Gig.DraftEdited) -> tuple[dict[str, Any], Fact | None]:
        """The gig row's brief columns and the event's fact, from one analysis of the brief."""
        brief = event.brief
        text = BriefText.of(brief)
        report = audit_brief(brief, now=event.timestamp, wages=self.wages, policy=self.policy, text=text)
        columns = {
            "title": brief.title,
            "brief_flags": to_json([f.to_dict() for f in report.flags]),
            "brief_worst": worst_level(report.flags),
            "updated_at": iso_at(event.timestamp),
        }
        return columns, Fact.of(event, fingerprint_of(text))

    @handles(Gig.DraftCreated)
    def on_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        columns, fact = self._brief_columns(event)
        gig = self.gigs.put(
            {
                "gig_id": text_id(event.originator_id),
                "employer_id": text_id(event.employer_id),
                "status": "draft",
                **columns,
            }
        )
        self._add(conn, fact, gig)

    @handles(Gig.DraftEdited)
    def on_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        columns, fact = self._brief_columns(event)
        self._add(conn, fact, self.gigs.update(conn, text_id(event.originator_id), **columns))

    # ---- the lifecycle ---------------------------------------------------------------------

    @handles(*(cls for cls in STATUS_AFTER if cls not in _DRAFTING), Gig.DisputeResolved)
    def on_status(self, conn: Connection, event: Any) -> None:
        gig = self.gigs.update(
            conn, text_id(event.originator_id), status=status_after(event), updated_at=iso_at(event.timestamp)
        )
        self._add(conn, Fact.of(event), gig)

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        # Mirrors the aggregate: a payout turns approved work into paid and leaves any other status.
        row = self.gigs.get(conn, text_id(event.originator_id))
        if row is not None:
            status = "paid" if row["status"] == "approved" else row["status"]
            self.gigs.update(conn, row["gig_id"], status=status, updated_at=iso_at(event.timestamp))
        self._add(conn, Fact.of(event), row)

    def _add(self, conn: Connection, fact: Fact | None, gig: dict[str, Any] | None) -> None:
        """Store `fact` of the gig whose row is `gig`. None: a status change no behaviour rule
        reads (funding, submission, dispute); the employer comes from the gig's row, so a fact of
        a gig without one is not stored."""
        if fact is None or gig is None:
            return
        if self._last_seq is None:
            self._last_seq = last_seq(conn)
        self._last_seq += 1
        self.facts.add({**fact_row(fact), "seq": self._last_seq, "employer_id": gig["employer_id"]})
