from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actors import Actor
from domain.gig import Gig, Status
from domain.marketplace import GigNotFound, Marketplace
from domain.money import Money
from projections.audit_log import AuditIndex, AuditQuery, EventsTable, export_jsonl, get_audit_events
from projections.database import Database
from projections.follower import Follower
from projections.follower_group import FollowerGroup
from projections.history import GigHistory, history
from projections.ledger import Ledger
from projections.paging import InvalidQuery
from projections.rebuild import reset
from tests.integration.finance.money_paths import MoneyRun
from tests.unit.finance.stories import brief


@pytest.fixture
def index(app: Marketplace, db: Database, events_table: EventsTable) -> Follower:
    return Follower(AuditIndex(events_table), app, db, page_size=9)


def everything(db: Database, app: Marketplace, **filters: Any) -> list[dict[str, Any]]:
    items, after = [], None
    while True:
        page = get_audit_events(db, app, AuditQuery(after=after, limit=4, **filters))
        items += page.items
        if page.next_cursor is None:
            return items
        after = int(page.next_cursor)


def test_the_log_pages_in_order_with_positions_and_decoded_events(
    app: Marketplace, db: Database, run: MoneyRun, index: Follower
) -> None:
    run.gig("approved")
    run.gig("kill_fee")
    index.catch_up()
    items = everything(db, app)
    assert [i["position"] for i in items] == list(range(1, (app.recorder.max_notification_id() or 0) + 1))
    first = items[0]
    assert first["type"] == "DraftCreated" and first["version"] == 1
    assert first["data"]["brief"]["supervisor"]["name"] == "Dana Whitfield"
    assert first["at"] == first["data"]["timestamp"]


def test_filters_by_gig_actor_type_and_time(
    app: Marketplace, db: Database, run: MoneyRun, index: Follower
) -> None:
    approved = run.gig("approved")
    cut = run.clock.advance(minutes=1)
    cancelled = run.gig("kill_fee")
    index.catch_up()
    gig = app.get_gig(approved)

    mine = everything(db, app, gig=str(approved))
    assert {i["gig_id"] for i in mine} == {str(approved)}
    assert [i["version"] for i in mine] == list(range(1, gig.version + 1))

    employer = everything(db, app, actor=str(gig.employer_id))
    assert [i["type"] for i in employer] == ["DraftCreated", "Published", "Approved"]
    student = everything(db, app, actor=str(gig.claimant_id))
    assert [i["type"] for i in student] == ["Claimed", "CheckedIn", "Submitted"]
    payments = everything(db, app, actor="payments", gig=str(cancelled))
    assert [i["type"] for i in payments] == ["FundingRecorded", "RefundRecorded", "PayoutRecorded"]

    claims = everything(db, app, type="Claimed")
    assert {i["gig_id"] for i in claims} == {str(approved), str(cancelled)}
    assert {i["gig_id"] for i in everything(db, app, since=cut)} == {str(cancelled)}
    assert {i["gig_id"] for i in everything(db, app, until=cut)} == {str(approved)}
    with pytest.raises(InvalidQuery):
        get_audit_events(db, app, AuditQuery(limit=501))


def test_the_jsonl_export_streams_every_event_once_in_order(app: Marketplace, run: MoneyRun) -> None:
    for path in ("approved", "dispute_split", "cancelled_unfunded"):
        run.gig(path)
    chunks = list(export_jsonl(app, page_size=5))
    lines = [json.loads(line) for chunk in chunks for line in chunk.splitlines()]
    head = app.recorder.max_notification_id()
    assert len(chunks) == -(-(head or 0) // 5)
    assert [line["position"] for line in lines] == list(range(1, (head or 0) + 1))
    assert set(lines[0]) == {"position", "gig_id", "version", "type", "at", "data"}
    resolved = next(line for line in lines if line["type"] == "DisputeResolved")
    assert set(resolved["data"]["settlement"]) == {"student", "employer", "platform"}
    assert [line["position"] for line in export_jsonl_after(app, 10)] == list(range(11, (head or 0) + 1))


def export_jsonl_after(app: Marketplace, after: int) -> list[dict[str, Any]]:
    return [json.loads(line) for chunk in export_jsonl(app, after=after) for line in chunk.splitlines()]


def test_history_as_of_an_instant_or_a_version_matches_what_was_read_at_that_moment(
    app: Marketplace, run: MoneyRun
) -> None:
    employer, student = Actor.user(uuid4(), "employer"), Actor.user(uuid4(), "student")
    gig_id = app.create_gig(employer, brief(Money(30_000, "gbp"), run.clock())).gig_id
    steps: list[Callable[[], object]] = [
        lambda: app.publish_gig(employer, gig_id),
        lambda: run.fund(gig_id),
        lambda: app.claim_gig(student, gig_id),
        lambda: app.check_in(student, gig_id, "drafted the outline"),
        lambda: app.submit_work(student, gig_id, "https://example.com/v1", "first cut"),
        lambda: app.request_changes(employer, gig_id, "tighten the intro"),
        lambda: app.submit_work(student, gig_id, "https://example.com/v2", "second cut"),
        lambda: app.approve_submission(employer, gig_id, "thanks"),
    ]
    seen = [(run.clock(), read(app, gig_id))]
    for step in steps:
        run.clock.advance(hours=2)
        step()
        seen.append((run.clock(), read(app, gig_id)))

    for moment, state in seen:
        assert read_history(history(app, gig_id, moment + timedelta(minutes=59))) == state
        assert read_history(history(app, gig_id, state["version"])) == state
    before_claim = history(app, gig_id, seen[3][0] - timedelta(microseconds=1))
    assert before_claim.gig.status is Status.POSTED
    assert [e["type"] for e in before_claim.events] == ["DraftCreated", "Published", "FundingRecorded"]
    assert [e["version"] for e in before_claim.events] == [1, 2, 3]
    with pytest.raises(GigNotFound):
        history(app, gig_id, seen[0][0] - timedelta(seconds=1))


def read(app: Marketplace, gig_id: UUID) -> dict[str, Any]:
    return state_of(app.get_gig(gig_id))


def read_history(then: GigHistory) -> dict[str, Any]:
    assert then.gig.version == then.version
    return state_of(then.gig)


def state_of(gig: Gig) -> dict[str, Any]:
    return {
        "version": gig.version,
        "status": gig.status,
        "claimant": gig.claimant_id,
        "revisions_used": gig.revisions_used,
        "submissions": [s["url"] for s in gig.submissions],
        "check_ins": len(gig.check_ins),
        "charged": gig.charged,
    }


def test_the_index_and_ledger_are_the_same_built_alone_or_in_one_group_page(
    app: Marketplace, db: Database, run: MoneyRun, events_table: EventsTable
) -> None:
    """In a group the followers hand each event's log position in; alone, pages of three."""
    for story in ("approved", "kill_fee", "approved_after_changes"):
        run.gig(story)
    tables = ("audit_index", "audit_gigs", "ledger_postings", "ledger_books", "ledger_payouts")

    def rows() -> dict[str, list[tuple[Any, ...]]]:
        with db.read() as conn:
            return {t: sorted(tuple(r.values()) for r in conn.fetchall(f"SELECT * FROM {t}")) for t in tables}

    def models() -> tuple[AuditIndex, Ledger]:
        return AuditIndex(events_table), Ledger(events_table)

    alone = [Follower(model, app, db, page_size=3) for model in models()]
    for follower in alone:
        follower.catch_up()
    built_alone = rows()
    assert len(built_alone["audit_index"]) == app.recorder.max_notification_id()
    assert built_alone["ledger_postings"]
    for follower in alone:
        reset(follower)
    assert not any(rows().values())
    FollowerGroup([Follower(model, app, db) for model in models()]).catch_up()
    assert rows() == built_alone
