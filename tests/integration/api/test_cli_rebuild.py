"""`fairgig projections rebuild`: every read model replayed from zero gives the rows it had."""

from __future__ import annotations

import pytest

from api import cli
from api.bootstrap import Container, composed
from domain.clock import Clock
from projections.rebuild import build_indexes, reset
from tests.conftest import FakeClock
from tests.integration.projections.factories import Market
from tests.integration.projections.test_rebuild_indexes import index_names, present_indexes

TABLES = ("board_gigs", "gig_details", "gig_detail_entries", "fairness_facts", "due_timers", "audit_index")


def rows(c: Container) -> dict[str, list[str]]:
    with c.db.read() as conn:
        found = {t: conn.fetchall(f"SELECT * FROM {t}") for t in TABLES}
    return {t: sorted(repr(sorted(r.items())) for r in found[t]) for t in TABLES}


def test_rebuilding_everything_replays_each_model_once_and_gives_the_same_rows(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    clock: Clock = container.clock
    market = Market(container.marketplace, FakeClock(clock()))
    for _ in range(3):
        market.submit(market.post())
    market.draft()
    container.projections.catch_up()
    for follower in container.audit_followers:
        follower.catch_up()
    before = rows(container)
    assert all(before[t] for t in TABLES)

    assert cli.main(["projections", "rebuild"]) == 0

    printed = capsys.readouterr()
    out = printed.out
    # One pass over the log for the read models together, shown as one progress bar.
    assert f"read models ({len(container.projections.followers)})" in printed.err
    # The secondary indexes are built after the replay, and the bar says so meanwhile.
    assert "building indexes" in printed.err
    rebuilt = [line.split(":")[0] for line in out.splitlines() if ": rebuilt" in line]
    assert sorted(rebuilt) == sorted([*container.projections.followers, "ledger", "audit_index"])
    assert rows(container) == before


def test_rebuilding_an_unknown_model_says_which_exist(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["projections", "rebuild", "nonesuch"]) == 2
    assert "choose from" in capsys.readouterr().err


def test_one_process_or_two_give_the_same_rows(
    container: Container, capsys: pytest.CaptureFixture[str]
) -> None:
    market = Market(container.marketplace, FakeClock(container.clock()))
    for _ in range(2):
        market.submit(market.post())
    assert cli.main(["projections", "rebuild", "--processes", "1"]) == 0
    one = rows(container)
    assert cli.main(["projections", "rebuild", "--processes", "2"]) == 0
    assert rows(container) == one
    capsys.readouterr()


@pytest.mark.parametrize("prepare_read_models", [False, True])
def test_a_lane_process_leaves_the_indexes_of_models_another_lane_rebuilds_alone(
    container: Container, prepare_read_models: bool
) -> None:
    """A rebuild lane starting after the other lane has reset its models (their tables loaded
    without secondary indexes) must not give those indexes back: only the full composition
    prepares every model."""
    board = container.projections.followers["board"]
    reset(board, defer_indexes=True)
    wanted = index_names([board.model])
    assert wanted and present_indexes(container.db, wanted) == set()

    with composed(prepare_read_models=prepare_read_models):
        pass

    assert present_indexes(container.db, wanted) == (wanted if prepare_read_models else set())
    build_indexes(board)
    assert present_indexes(container.db, wanted) == wanted
