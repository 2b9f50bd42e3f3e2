"""Finance over HTTP: the double-entry ledger, its CSV, payouts by status and reconciliation
against the simulated gateway, after a gig is paid, a claimed gig is cancelled (kill fee) and a
posted gig is cancelled before anyone claimed it."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from projections.ledger import CSV_HEADER
from projections.paging import encode_cursor
from tests.conftest import FakeClock
from tests.e2e.staff import MoneyScenario, open_api, run_money_scenario, sign_up, staff

FINANCE_ENDPOINTS = [
    "/finance/ledger",
    "/finance/ledger.csv",
    "/finance/payouts",
    "/finance/reconciliation",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MoneyScenario]:
    with open_api(tmp_path_factory.mktemp("finance"), FakeClock()) as api:
        yield run_money_scenario(api)


@pytest.fixture(scope="module")
def finance(world: MoneyScenario) -> dict[str, str]:
    return staff(world.api, "finance")


def _money(view: dict[str, Any], name: str) -> int:
    value = view["escrow"][name]
    return 0 if value is None else int(value["amount"])


def _all_entries(world: MoneyScenario, finance: dict[str, str], limit: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(200):
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        res = world.get("/finance/ledger", finance, **params)
        assert res.status_code == 200, res.text
        entries += res.json()["entries"]
        cursor = res.json()["next_cursor"]
        if cursor is None:
            return entries
    raise AssertionError("the ledger's cursor never ran out")


def test_the_trial_balance_is_zero_per_currency(world: MoneyScenario, finance: dict[str, str]) -> None:
    body = world.get("/finance/ledger", finance, limit=500).json()

    assert body["trial_balance"] == {"usd": 0}
    sums = Counter[str]()
    for entry in body["entries"]:
        sums[entry["currency"]] += entry["amount"]
    assert dict(sums) == {"usd": 0}
    assert body["next_cursor"] is None


def test_every_gig_posts_its_own_zero_sum_and_each_money_event_is_posted(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    entries = world.get("/finance/ledger", finance, limit=500).json()["entries"]

    per_gig = Counter[str]()
    for entry in entries:
        per_gig[entry["gig_id"]] += entry["amount"]
    assert per_gig == {world.paid: 0, world.kill_fee: 0, world.refunded: 0}
    kinds = {(e["gig_id"], e["kind"]) for e in entries}
    assert {(world.paid, "charge"), (world.paid, "transfer")} <= kinds
    assert {(world.kill_fee, "charge"), (world.kill_fee, "transfer"), (world.kill_fee, "refund")} <= kinds
    assert {k for g, k in kinds if g == world.refunded} >= {"charge", "refund"}
    assert (world.refunded, "transfer") not in kinds


def test_balances_per_account_follow_what_each_side_was_charged_paid_and_refunded(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    balances = world.get("/finance/ledger", finance).json()["balances"]
    closing = {(b["account"], b["currency"]): b["closing"] for b in balances}
    gigs = world.gigs.values()
    charged = sum(_money(g, "charged") for g in gigs)
    paid = sum(_money(g, "paid_to_student") for g in gigs)
    refunded = sum(_money(g, "refunded") for g in gigs)

    assert (charged, paid) == (3 * 44_000, 40_000 + 10_000)
    assert closing[(f"employer:{world.employer_id}", "usd")] == -charged + refunded
    assert closing[(f"student:{world.student_id}", "usd")] == paid
    assert closing[("platform:fees", "usd")] == charged - paid - refunded
    assert closing[("escrow", "usd")] == 0
    assert closing[("escrow:fees", "usd")] == 0
    assert all(b["closing"] == b["opening"] + b["movement"] for b in balances)
    assert sum(closing.values()) == 0


def test_ledger_pages_by_cursor_serve_every_posting_once_in_log_order(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    whole = _all_entries(world, finance, limit=500)
    paged = _all_entries(world, finance, limit=3)

    assert paged == whole
    keys = [(e["position"], e["seq"]) for e in paged]
    assert keys == sorted(set(keys))
    assert len(keys) > 3


def test_ledger_window_leaves_out_postings_outside_it(world: MoneyScenario, finance: dict[str, str]) -> None:
    later = (world.api.clock.now + timedelta(days=1)).isoformat()

    body = world.get("/finance/ledger", finance, **{"from": later}).json()

    assert body["entries"] == []
    assert all(b["movement"] == 0 and b["opening"] == b["closing"] for b in body["balances"])


def test_ledger_csv_streams_a_header_and_one_row_per_posting(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    entries = world.get("/finance/ledger", finance, limit=500).json()["entries"]

    with world.api.client.stream("GET", "/finance/ledger.csv", headers=finance) as res:
        assert res.status_code == 200
        assert res.headers["content-type"].startswith("text/csv")
        assert "content-length" not in res.headers  # streamed, not built whole first
        text = "".join(res.iter_text())

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == CSV_HEADER
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(int(r["position"]), int(r["seq"]), int(r["amount"])) for r in body] == [
        (e["position"], e["seq"], e["amount"]) for e in entries
    ]
    first = body[0]
    assert first["amount_decimal"] == f"{int(first['amount']) / 100:.2f}"


def test_payouts_sent_lists_the_paid_gig_and_the_kill_fee(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    items = world.get("/finance/payouts", finance, status="sent").json()["items"]

    by_gig = {i["gig_id"]: i for i in items}
    assert set(by_gig) == {world.paid, world.kill_fee}
    assert (by_gig[world.paid]["amount"], by_gig[world.paid]["currency"]) == (40_000, "usd")
    assert by_gig[world.kill_fee]["amount"] == 10_000
    assert all(i["status"] == "sent" and i["student_id"] == world.student_id for i in items)
    assert all(i["transfer_ref"] for i in items)


@pytest.mark.parametrize("status", ["pending", "waiting_for_onboarding", "failed"])
def test_payouts_of_other_statuses_are_empty_when_everything_was_sent(
    world: MoneyScenario, finance: dict[str, str], status: str
) -> None:
    assert world.get("/finance/payouts", finance, status=status).json() == {"items": [], "next_cursor": None}


def _assert_all_matched(body: dict[str, Any], world: MoneyScenario) -> None:
    assert body["ok"] is True
    matched = Counter((m["kind"], m["gig_id"]) for m in body["matched"])
    assert matched == {
        ("charge", world.paid): 1,
        ("transfer", world.paid): 1,
        ("charge", world.kill_fee): 1,
        ("transfer", world.kill_fee): 1,
        ("refund", world.kill_fee): 1,
        ("charge", world.refunded): 1,
        ("refund", world.refunded): 1,
    }
    for bucket in ("missing_in_gateway", "missing_in_ledger", "amount_mismatch", "currency_mismatch"):
        assert body[bucket] == [], bucket
        assert body["totals"][bucket]["count"] == 0
    assert body["totals"]["matched"]["count"] == 7
    assert body["totals"]["matched"]["ledger"] == body["totals"]["matched"]["gateway"]


def test_reconciliation_over_an_explicit_period_matches_every_movement(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    now = world.api.clock.now
    window = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}

    _assert_all_matched(world.get("/finance/reconciliation", finance, **window).json(), world)


def test_reconciliation_by_default_covers_everything_up_to_now(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    _assert_all_matched(world.get("/finance/reconciliation", finance).json(), world)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/finance/ledger?limit=0", "limit"),
        ("/finance/ledger?limit=501", "limit"),
        ("/finance/payouts?status=bogus", "status"),
        ("/finance/payouts?limit=0", "limit"),
        pytest.param(
            "/finance/reconciliation?from=not-a-date",
            "from",
        ),
        pytest.param(
            "/finance/ledger?to=yesterday",
            "to",
        ),
    ],
)
def test_bad_query_parameters_get_a_problem_naming_the_field(
    world: MoneyScenario, finance: dict[str, str], path: str, field: str
) -> None:
    res = world.api.client.get(path, headers=finance)

    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "validation.failed"
    assert res.json()["field"] == field


def test_a_bad_query_parameter_is_rejected_whatever_the_field_is_called(
    world: MoneyScenario, finance: dict[str, str]
) -> None:
    res = world.api.client.get("/finance/reconciliation?from=not-a-date", headers=finance)

    assert res.status_code == 400
    assert res.json()["code"] == "validation.failed"


@pytest.fixture(scope="module")
def outsiders(world: MoneyScenario) -> dict[str, dict[str, str]]:
    return {
        "employer": world.employer,
        "student": world.student,
        "auditor": staff(world.api, "auditor"),
        "other employer": sign_up(world.api, "employer")[0],
    }


@pytest.mark.parametrize("endpoint", FINANCE_ENDPOINTS)
@pytest.mark.parametrize("caller", ["employer", "student", "auditor", "other employer"])
def test_finance_endpoints_refuse_other_roles(
    world: MoneyScenario, outsiders: dict[str, dict[str, str]], endpoint: str, caller: str
) -> None:
    res = world.api.client.get(endpoint, headers=outsiders[caller])

    assert res.status_code == 403
    assert res.json()["code"] == "auth.forbidden"


@pytest.mark.parametrize("endpoint", FINANCE_ENDPOINTS)
@pytest.mark.parametrize("auth", [None, "Bearer not-a-token"])
def test_finance_endpoints_refuse_unauthenticated_callers(
    world: MoneyScenario, endpoint: str, auth: str | None
) -> None:
    res = world.api.client.get(endpoint, headers={"Authorization": auth} if auth else {})

    assert res.status_code == 401


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/finance/ledger", encode_cursor("one", 2)),
        ("/finance/ledger", encode_cursor(1.5, 2)),
        ("/finance/ledger", encode_cursor(True, 2)),
        ("/finance/payouts", encode_cursor("x")),
        ("/finance/payouts", encode_cursor(None)),
    ],
)
def test_a_hand_made_cursor_with_parts_of_the_wrong_type_is_a_400_naming_the_cursor(
    world: MoneyScenario, finance: dict[str, str], path: str, cursor: str
) -> None:
    res = world.get(path, finance, cursor=cursor)

    assert res.status_code == 400, res.text
    assert (res.json()["code"], res.json()["field"]) == ("validation.failed", "cursor")
