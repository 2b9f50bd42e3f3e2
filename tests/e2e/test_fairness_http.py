"""The fairness audit where employers and auditors meet it: on drafts, at publishing, per gig and
in the auditors' report."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from projections.fairness_facts import last_seq
from tests.conftest import FakeClock
from tests.e2e.conftest import Api, _settings


def _grant(api: Api, headers: dict[str, str], role: str) -> dict[str, str]:
    me = api.client.get("/me", headers=headers).json()
    api.client.app.state.container.accounts.grant_roles(UUID(me["id"]), {role}, granted_by="test")
    return api.token(me["email"])


def test_a_vague_draft_carries_its_flags_and_cannot_be_published(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    vague = sqlite_api.brief(
        deliverables=["Help out with various tasks as needed"],
        acceptance_criteria=[],
        supervisor=None,
        estimated_hours=None,
    )
    created = sqlite_api.client.post("/gigs", json=vague, headers=employer).json()
    rules = {f["rule"] for f in created["fairness"]["flags"]}
    assert {
        "scope.no_deliverables",
        "scope.filler_phrase",
        "scope.no_acceptance_criteria",
        "scope.no_supervisor",
        "scope.no_estimated_hours",
    } <= rules
    assert created["fairness"]["blocking"] is True

    refused = sqlite_api.client.post(f"/gigs/{created['id']}/publish", headers=employer)

    assert refused.status_code == 422
    assert refused.json()["code"] == "gig.publish_blocked"
    assert "scope.no_deliverables" in refused.json()["rules"]
    fairness = sqlite_api.client.get(f"/gigs/{created['id']}/fairness", headers=employer).json()
    assert fairness["blocking"] is True
    assert "scope.no_deliverables" in {f["rule"] for f in fairness["flags"]}


def test_publishing_under_the_minimum_wage_says_the_minimum_and_the_effective_rate(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    cheap = sqlite_api.brief(
        pay={"amount": 10000, "currency": "usd"}, estimated_hours=20, jurisdiction="US-CA"
    )
    gig_id = sqlite_api.client.post("/gigs", json=cheap, headers=employer).json()["id"]
    head = sqlite_api.log_head()

    refused = sqlite_api.client.post(f"/gigs/{gig_id}/publish", headers=employer)

    body = refused.json()
    assert refused.status_code == 422
    assert body["code"] == "fairness.below_minimum_wage"
    assert body["effective_hourly"] == {"amount": 500, "currency": "usd"}
    assert body["minimum"]["currency"] == "usd" and body["minimum"]["amount"] > 1600
    assert "5.00 USD per hour" in body["detail"] and "US-CA" in body["detail"]
    assert sqlite_api.log_head() == head


def test_a_fair_brief_has_no_blocking_flag_and_publishes(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    created = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=employer).json()
    assert created["fairness"]["blocking"] is False
    assert sqlite_api.client.post(f"/gigs/{created['id']}/publish", headers=employer).status_code == 200


def test_auditors_read_the_report_with_employer_scores(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    sqlite_api.client.post("/gigs", json=sqlite_api.brief(acceptance_criteria=[]), headers=employer)
    auditor = _grant(sqlite_api, sqlite_api.user("student"), "auditor")

    report = sqlite_api.client.get("/audit/fairness?severity=warning", headers=auditor)

    assert report.status_code == 200
    items = report.json()["items"]
    assert any("scope.no_acceptance_criteria" in {f["rule"] for f in i["flags"]} for i in items)
    assert all(f["severity"] in ("warning", "blocking") for i in items for f in i["flags"])
    employer_id = sqlite_api.client.get("/me", headers=employer).json()["id"]
    theirs = sqlite_api.client.get(f"/audit/fairness?employer={employer_id}", headers=auditor).json()
    assert [e["employer_id"] for e in theirs["employers"]] == [employer_id]
    assert 0 <= theirs["employers"][0]["score"] <= 100
    assert {i["employer_id"] for i in theirs["items"]} == {employer_id}
    assert sqlite_api.client.get("/audit/fairness", headers=employer).status_code == 403


def test_the_cli_prints_the_report(sqlite_api: Api, tmp_path: Path) -> None:
    employer = sqlite_api.user("employer")
    sqlite_api.client.post("/gigs", json=sqlite_api.brief(acceptance_criteria=[]), headers=employer)
    data_dir = sqlite_api.client.app.state.container.settings.database.data_dir
    fairgig = Path(sys.executable).with_name("fairgig")
    env = {"FAIRGIG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [str(fairgig), "audit", "fairness"], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "scope.no_acceptance_criteria" in out.stdout


def test_a_deployments_own_platform_floor_reaches_the_fairness_projection(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = replace(_settings(tmp_path, "sqlite", ""), platform_floor_per_hour=5000)
    with TestClient(create_app(bootstrap(settings, clock=clock)), raise_server_exceptions=False) as client:
        api = Api(client, clock)
        employer = api.user("employer")
        gig_id = client.post("/gigs", json=api.brief(), headers=employer).json()["id"]  # 40 USD an hour

        flags = client.get(f"/gigs/{gig_id}/fairness", headers=employer).json()["flags"]

    assert "pay.below_platform_floor" in {f["rule"] for f in flags}


def _stored_facts(api: Api) -> int:
    with api.client.app.state.container.db.read() as conn:
        return last_seq(conn)


def _fold_seen_within(api: Api, seconds: float) -> int:
    fold = api.client.app.state.container.fact_fold
    deadline = time.monotonic() + seconds
    while fold.seen == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    return int(fold.seen)


@pytest.mark.parametrize("warm", [True, False])
def test_a_restarted_server_folds_the_stored_facts_before_the_first_report_asks(
    tmp_path: Path, clock: FakeClock, warm: bool
) -> None:
    settings = _settings(tmp_path, "sqlite", "")
    with TestClient(create_app(bootstrap(settings, clock=clock)), raise_server_exceptions=False) as client:
        api = Api(client, clock)
        employer = api.user("employer")
        for _ in range(3):
            api.posted_gig(employer)
        head = api.log_head()
        assert client.get("/gigs", headers={**employer, "Fairgig-Wait-For": str(head)}).status_code == 200
        stored = _stored_facts(api)
    assert stored >= 6  # each gig's creation and publication

    server = replace(settings.server, warm_fairness_report=warm)
    restarted = bootstrap(replace(settings, server=server), clock=clock)
    with TestClient(create_app(restarted), raise_server_exceptions=False) as client:
        api = Api(client, clock)
        seen = _fold_seen_within(api, 10.0 if warm else 0.5)

    # Warmed: every stored fact folded without a report asked for; not warmed: none until asked.
    assert seen == (stored if warm else 0)
