"""Audit over HTTP: the log filtered and paged in order, the JSON Lines export, the hash chain and
its verification after the stored bytes are tampered with, and a gig's history as of a version or
an instant compared with what GET /gigs/{id} returned at that moment."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.staff import (
    MoneyScenario,
    open_api,
    run_money_scenario,
    sign_up,
    staff,
    waiting,
)

AUDIT_ENDPOINTS = [
    "/audit/events",
    "/audit/events.jsonl",
    "/audit/chain",
    "/audit/chain/verify",
    "/audit/gigs/6f1c1d7e-1b7a-4c55-9a4e-2f1f4c0d9a10/history?as_of=1",
]


@dataclass
class Snapshot:
    at: datetime
    gig: dict[str, Any]


@dataclass
class AuditWorld:
    money: MoneyScenario
    auditor: dict[str, str]
    recorded: str
    snapshots: list[Snapshot]

    @property
    def api(self) -> Api:
        return self.money.api

    def get(self, path: str, **params: Any) -> Any:
        res = self.api.client.get(
            path, params=params or None, headers=waiting(self.auditor, self.api.log_head())
        )
        assert res.status_code == 200, res.text
        return res.json()


def _record_a_gig(api: Api, money: MoneyScenario) -> tuple[str, list[Snapshot]]:
    """Walk one gig through its life an hour per step, reading it back after each step."""
    c, employer, student = api.client, money.employer, money.student
    snapshots: list[Snapshot] = []

    def snap(gig_id: str, position: str) -> None:
        read = c.get(f"/gigs/{gig_id}", headers={**employer, "Fairgig-Wait-For": position})
        snapshots.append(Snapshot(api.clock.now, read.json()))
        api.clock.advance(hours=1)

    api.clock.advance(hours=1)
    created = c.post("/gigs", json=api.brief(title="Map the warehouse's returns process"), headers=employer)
    gig_id: str = created.json()["id"]
    snap(gig_id, created.headers["fairgig-position"])
    steps: list[tuple[str, dict[str, Any] | None, dict[str, str]]] = [
        ("publish", None, employer),
        ("claim", None, student),
        ("check-ins", {"note": "Interviewed the returns lead"}, student),
        ("submission", {"url": "https://docs.example/returns-v1"}, student),
        ("review", {"decision": "request_changes", "feedback": "Add the refund step"}, employer),
        ("submission", {"url": "https://docs.example/returns-v2"}, student),
        ("review", {"decision": "approve", "feedback": "Thorough"}, employer),
    ]
    for command, body, who in steps:
        res = c.post(f"/gigs/{gig_id}/{command}", json=body, headers=who)
        assert res.status_code in (200, 201), (command, res.text)
        snap(gig_id, res.headers["fairgig-position"])
    assert snapshots[-1].gig["status"] == "paid"
    return gig_id, snapshots


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditWorld]:
    with open_api(tmp_path_factory.mktemp("audit"), FakeClock()) as api:
        money = run_money_scenario(api)
        recorded, snapshots = _record_a_gig(api, money)
        yield AuditWorld(money, staff(api, "auditor"), recorded, snapshots)


def _all_events(world: AuditWorld, limit: int, **filters: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(500):
        page = world.get("/audit/events", limit=limit, **filters, **({"after": after} if after else {}))
        items += page["items"]
        after = page["next_cursor"]
        if after is None:
            return items
    raise AssertionError("the audit cursor never ran out")


# ---- the log -----------------------------------------------------------------------------------


def test_events_are_the_whole_log_in_order_with_positions(world: AuditWorld) -> None:
    items = world.get("/audit/events", limit=500)["items"]

    assert [e["position"] for e in items] == list(range(1, world.api.log_head() + 1))
    first = items[0]
    assert (first["type"], first["gig_id"], first["version"]) == ("DraftCreated", world.money.paid, 1)
    assert first["actor"] == world.money.employer_id


def test_cursor_paging_returns_each_event_exactly_once(world: AuditWorld) -> None:
    paged = _all_events(world, limit=4)

    positions = [e["position"] for e in paged]
    assert positions == list(range(1, world.api.log_head() + 1))
    assert paged == world.get("/audit/events", limit=500)["items"]


def test_events_of_one_gig_are_its_versions_in_order(world: AuditWorld) -> None:
    items = world.get("/audit/events", gig=world.money.paid, limit=500)["items"]

    assert {e["gig_id"] for e in items} == {world.money.paid}
    assert [e["version"] for e in items] == list(range(1, len(items) + 1))
    assert [e["type"] for e in items][:4] == ["DraftCreated", "Published", "FundingRecorded", "Claimed"]
    assert "PayoutRecorded" in [e["type"] for e in items]


def test_events_of_one_type_come_from_every_gig_that_had_one(world: AuditWorld) -> None:
    items = world.get("/audit/events", type="FundingRecorded", limit=500)["items"]

    money = world.money
    assert [e["gig_id"] for e in items] == [money.paid, money.kill_fee, money.refunded, world.recorded]
    assert {e["type"] for e in items} == {"FundingRecorded"}
    assert [e["data"]["amount"] for e in items] == [{"amount": 44_000, "currency": "usd"}] * 4
    positions = [e["position"] for e in items]
    assert positions == sorted(positions)


def test_events_by_actor_are_what_that_person_did(world: AuditWorld) -> None:
    student = world.get("/audit/events", actor=world.money.student_id, limit=500)["items"]
    by_type = world.get("/audit/events", actor=world.money.student_id, type="Claimed", limit=500)["items"]

    assert {e["actor"] for e in student} == {world.money.student_id}
    assert {e["type"] for e in student} >= {"Claimed", "CheckedIn", "Submitted"}
    assert not {"DraftCreated", "Published", "FundingRecorded"} & {e["type"] for e in student}
    money = world.money
    assert [e["gig_id"] for e in by_type] == [money.paid, money.kill_fee, world.recorded]


def test_events_in_a_time_window_are_those_stamped_inside_it(world: AuditWorld) -> None:
    start, end = world.snapshots[2].at, world.snapshots[4].at
    window = {"from": start.isoformat(), "to": end.isoformat()}

    items = world.get("/audit/events", limit=500, **window)["items"]

    assert [(e["gig_id"], e["type"]) for e in items] == [
        (world.recorded, "Claimed"),
        (world.recorded, "CheckedIn"),
    ]


def test_an_unknown_gig_has_no_events(world: AuditWorld) -> None:
    assert world.get("/audit/events", gig="6f1c1d7e-1b7a-4c55-9a4e-2f1f4c0d9a10") == {
        "items": [],
        "next_cursor": None,
    }


def test_a_negative_after_gets_a_problem_naming_the_field(world: AuditWorld) -> None:
    res = world.api.client.get("/audit/events?after=-1", headers=world.auditor)

    assert res.status_code == 400
    assert (res.json()["code"], res.json()["field"]) == ("validation.failed", "after")


# ---- the export --------------------------------------------------------------------------------


def test_jsonl_export_streams_one_line_per_event_in_the_log(world: AuditWorld) -> None:
    head = world.api.log_head()

    with world.api.client.stream("GET", "/audit/events.jsonl", headers=world.auditor) as res:
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("application/x-ndjson")
        assert "content-length" not in res.headers  # streamed, not built whole first
        lines = list(res.iter_lines())

    records = [json.loads(line) for line in lines if line]
    assert len(records) == head
    assert [r["position"] for r in records] == list(range(1, head + 1))
    listed = world.get("/audit/events", limit=500)["items"]
    assert [(r["gig_id"], r["version"], r["type"]) for r in records] == [
        (e["gig_id"], e["version"], e["type"]) for e in listed
    ]


def test_jsonl_export_after_a_position_starts_past_it(world: AuditWorld) -> None:
    res = world.api.client.get("/audit/events.jsonl", params={"after": 10}, headers=world.auditor)

    positions = [json.loads(line)["position"] for line in res.text.splitlines() if line]
    assert positions == list(range(11, world.api.log_head() + 1))


# ---- the chain ---------------------------------------------------------------------------------


def test_the_chain_covers_the_whole_log(world: AuditWorld) -> None:
    chain = world.get("/audit/chain")

    assert chain["length"] == chain["position"] == world.api.log_head()
    assert len(chain["head"]) == 64 and int(chain["head"], 16) >= 0


def test_an_untouched_log_verifies(world: AuditWorld) -> None:
    assert world.get("/audit/chain/verify") == {
        "ok": True,
        "checked": world.api.log_head(),
        "first_bad_position": None,
        "reason": None,
    }


def _tampered_app(sqlite_api: Api) -> tuple[Api, dict[str, str], str]:
    api = sqlite_api
    employer, _ = sign_up(api, "employer")
    for _ in range(2):
        api.posted_gig(employer)  # three events each
    auditor = staff(api, "auditor")
    chain = api.client.get("/audit/chain", headers=auditor).json()
    assert chain["length"] == api.log_head() == 6
    return api, auditor, str(api.client.app.state.container.settings.database.sqlite_path)


def _verify(api: Api, auditor: dict[str, str]) -> dict[str, Any]:
    res = api.client.get("/audit/chain/verify", headers=auditor)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


@pytest.mark.parametrize("position", [1, 3, 6])
def test_editing_one_stored_events_bytes_is_reported_at_its_position(sqlite_api: Api, position: int) -> None:
    api, auditor, path = _tampered_app(sqlite_api)
    with sqlite3.connect(path, timeout=10) as db:
        (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()
        edited = bytes(state).replace(b"2026", b"2027", 1)
        assert edited != bytes(state)
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (edited, position))

    result = _verify(api, auditor)

    assert (result["ok"], result["first_bad_position"]) == (False, position)


def test_deleting_one_stored_event_is_reported_at_its_position(sqlite_api: Api) -> None:
    api, auditor, path = _tampered_app(sqlite_api)
    with sqlite3.connect(path, timeout=10) as db:
        db.execute("DELETE FROM stored_events WHERE rowid = 4")

    result = _verify(api, auditor)

    assert (result["ok"], result["first_bad_position"]) == (False, 4)


# ---- history -----------------------------------------------------------------------------------


def _essentials(gig: dict[str, Any]) -> dict[str, Any]:
    escrow = gig["escrow"]
    return {
        "status": gig["status"],
        "version": gig["version"],
        "claimant_id": gig["claimant_id"],
        "pay": gig["pay"],
        "platform_fee": gig["platform_fee"],
        "money": {k: escrow[k] for k in ("charged", "held", "paid_to_student", "refunded")},
    }


def test_the_recorded_scenario_passes_through_every_stage(world: AuditWorld) -> None:
    statuses = [s.gig["status"] for s in world.snapshots]

    assert statuses == [
        "draft",
        "posted",
        "claimed",
        "claimed",
        "submitted",
        "claimed",
        "submitted",
        "paid",
    ]


@pytest.mark.parametrize("step", range(8))
def test_history_as_of_a_version_matches_what_the_api_returned_then(world: AuditWorld, step: int) -> None:
    then = world.snapshots[step].gig

    past = world.get(f"/audit/gigs/{world.recorded}/history", as_of=str(then["version"]))

    assert _essentials(past["gig"]) == _essentials(then)
    assert past["version"] == then["version"]
    assert [e["version"] for e in past["events"]] == list(range(1, then["version"] + 1))


@pytest.mark.parametrize("step", range(8))
def test_history_as_of_an_instant_matches_what_the_api_returned_then(world: AuditWorld, step: int) -> None:
    snapshot = world.snapshots[step]
    instant = snapshot.at + timedelta(minutes=30)  # after that step, before the next

    past = world.get(
        f"/audit/gigs/{world.recorded}/history", as_of=instant.isoformat().replace("+00:00", "Z")
    )

    assert _essentials(past["gig"]) == _essentials(snapshot.gig)
    assert all(datetime.fromisoformat(e["at"]) <= instant for e in past["events"])


def test_history_before_the_gig_existed_is_not_found(world: AuditWorld) -> None:
    before = (world.snapshots[0].at - timedelta(minutes=1)).isoformat()

    res = world.api.client.get(
        f"/audit/gigs/{world.recorded}/history", params={"as_of": before}, headers=world.auditor
    )

    assert res.status_code == 404
    assert res.json()["code"] == "gig.not_found"


@pytest.mark.parametrize("as_of", ["yesterday", "", "-3", "2026-13-40T00:00:00Z", "2026-03-02T12:00:00"])
def test_history_with_an_unreadable_as_of_gets_a_problem_naming_the_field(
    world: AuditWorld, as_of: str
) -> None:
    res = world.api.client.get(
        f"/audit/gigs/{world.recorded}/history", params={"as_of": as_of}, headers=world.auditor
    )

    assert res.status_code == 400
    assert res.json()["field"] == "as_of"


# ---- who may read ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outsiders(world: AuditWorld) -> dict[str, dict[str, str]]:
    return {
        "employer": world.money.employer,
        "student": world.money.student,
        "finance": staff(world.api, "finance"),
    }


@pytest.mark.parametrize("endpoint", AUDIT_ENDPOINTS)
@pytest.mark.parametrize("caller", ["employer", "student", "finance"])
def test_audit_endpoints_refuse_other_roles(
    world: AuditWorld, outsiders: dict[str, dict[str, str]], endpoint: str, caller: str
) -> None:
    res = world.api.client.get(endpoint, headers=outsiders[caller])

    assert res.status_code == 403
    assert res.json()["code"] == "auth.forbidden"


@pytest.mark.parametrize("endpoint", AUDIT_ENDPOINTS)
@pytest.mark.parametrize("auth", [None, "Bearer not-a-token"])
def test_audit_endpoints_refuse_unauthenticated_callers(
    world: AuditWorld, endpoint: str, auth: str | None
) -> None:
    res = world.api.client.get(endpoint, headers={"Authorization": auth} if auth else {})

    assert res.status_code == 401
