"""What operators and client authors rely on: health, readiness, the OpenAPI document and UI."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_health_answers_without_a_token(sqlite_api: Api) -> None:
    assert sqlite_api.client.get("/health").json() == {"status": "ok"}


def test_ready_reports_every_follower_with_its_lag(sqlite_api: Api) -> None:
    body = sqlite_api.client.get("/ready").json()
    assert body["ready"] is True
    names = {p["name"] for p in body["projections"]}
    assert {"board", "gig_detail", "employer_dashboard", "student_portfolio", "due_timers"} <= names
    assert {"ledger", "audit_index", "escrow"} <= names
    assert all(
        {"position", "lag_events", "lag_seconds", "dead_letters"} <= set(p) for p in body["projections"]
    )


def test_the_openapi_document_lists_the_contract_paths(sqlite_api: Api) -> None:
    spec = sqlite_api.client.get("/schema/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/gigs",
        "/gigs/{gig_id}",
        "/gigs/{gig_id}/claim",
        "/auth/signup",
        "/finance/ledger",
        "/audit/events",
        "/webhooks/stripe",
    ):
        assert path in spec["paths"], path
    operation_ids = [
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_the_browsable_documentation_is_served(sqlite_api: Api) -> None:
    page = sqlite_api.client.get("/schema")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


def test_metrics_expose_request_counts_and_follower_lag(sqlite_api: Api) -> None:
    sqlite_api.client.get("/health")
    body = sqlite_api.client.get("/metrics").text
    assert 'fairgig_follower_lag_events{follower="board"}' in body
    assert 'fairgig_follower_dead_letters{follower="escrow"}' in body
    assert "fairgig_log_head" in body
    assert "fairgig_requests_total" in body
