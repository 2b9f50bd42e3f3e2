"""The JSON Lines export's fast path (its own page query, lines built from a byte template) against
the decoding path and against the library's own reads, on both backends and on an encrypted,
compressed store."""

from __future__ import annotations

import json
from uuid import uuid4

import msgspec
from eventsourcing.cipher import AESCipher

from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.audit_log import JsonLines, LibraryLog, LogRow, event_record, export_jsonl, log_reader
from tests.conftest import FakeClock
from tests.integration.finance.money_paths import Cashier, MoneyRun

PATHS = ("approved", "dispute_split", "cancelled_unfunded", "approved_after_changes")


def fill(run: MoneyRun) -> int:
    for path in PATHS:
        run.gig(path)
    return run.app.recorder.max_notification_id() or 0


def decoded_by_the_library(app: Marketplace, after: int = 0) -> list[bytes]:
    """Each event as the auditors' page shows it, read through `select_notifications`."""
    page = app.recorder.select_notifications(after, 10_000, inclusive_of_start=False)
    return [msgspec.json.encode(event_record(app.mapper, n.id, n)) + b"\n" for n in page]


def lines_of(chunks: list[bytes]) -> list[bytes]:
    return [line + b"\n" for chunk in chunks for line in chunk.split(b"\n")[:-1]]


def test_the_fast_path_writes_exactly_the_lines_the_decoding_path_writes(
    app: Marketplace, run: MoneyRun
) -> None:
    head = fill(run)
    reader = log_reader(app)
    assert not isinstance(reader, LibraryLog)

    exported = b"".join(export_jsonl(app))
    expected = decoded_by_the_library(app)
    assert len(expected) == head
    assert exported == b"".join(expected)
    rows = reader.page(0, head, head)
    assert JsonLines(app.mapper, reader).page(rows) == JsonLines(app.mapper, reader, decode=True).page(rows)
    first = json.loads(expected[0])
    assert first["type"] == "DraftCreated" and first["at"] == first["data"]["timestamp"]


def test_its_rows_are_the_rows_the_library_reads(app: Marketplace, run: MoneyRun) -> None:
    head = fill(run)
    reader, library = log_reader(app), LibraryLog(app.recorder)

    for after, limit in ((0, head), (3, 7), (head - 2, 10), (head, 10)):
        ours = [(p, reader.gig_id(o), v, t, bytes(s)) for p, o, v, t, s in reader.page(after, head, limit)]
        assert ours == library.page(after, head, limit)
    assert reader.page(0, 5, 100) == reader.page(0, head, 5)
    assert [row[1] for row in library.page(0, head, head)] == [
        str(n.originator_id) for n in app.recorder.select_notifications(1, head)
    ]


def test_pages_cross_boundaries_without_losing_or_repeating_an_event(app: Marketplace, run: MoneyRun) -> None:
    head = fill(run)
    whole = b"".join(export_jsonl(app, page_size=head))

    for page_size in (1, 3, 7, head - 1):
        chunks = list(export_jsonl(app, page_size=page_size))
        assert len(chunks) == -(-head // page_size)
        assert all(chunk.endswith(b"\n") and chunk.count(b"\n") <= page_size for chunk in chunks)
        assert b"".join(chunks) == whole
    positions = [json.loads(line)["position"] for line in lines_of([whole])]
    assert positions == list(range(1, head + 1))


def test_after_starts_past_a_position(app: Marketplace, run: MoneyRun) -> None:
    head = fill(run)
    everything = lines_of(list(export_jsonl(app)))

    for after in (1, 10, head - 1):
        assert lines_of(list(export_jsonl(app, after=after, page_size=4))) == everything[after:]
        assert lines_of(list(export_jsonl(app, after=after))) == decoded_by_the_library(app, after)
    assert list(export_jsonl(app, after=head)) == []
    assert list(export_jsonl(app, after=head + 5)) == []


def test_it_stops_at_the_head_as_it_stood_when_it_began(app: Marketplace, run: MoneyRun) -> None:
    head = fill(run)
    before = b"".join(export_jsonl(app))

    export = export_jsonl(app, page_size=4)
    chunks = [next(export)]
    run.gig("kill_fee")
    chunks += list(export)

    assert (app.recorder.max_notification_id() or 0) > head
    assert b"".join(chunks) == before
    assert len(lines_of(chunks)) == head


def test_an_encrypted_compressed_store_exports_the_same_lines_in_clear(
    store_env: dict[str, str], clock: FakeClock
) -> None:
    env = store_env | {
        "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
        "CIPHER_KEY": AESCipher.create_key(32),
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }
    app = Marketplace(env, clock=clock)
    try:
        head = fill(MoneyRun(app, clock, Cashier(SimulatedGateway(clock))))
        reader = log_reader(app)
        assert not isinstance(reader, LibraryLog)
        assert not any(b"timestamp" in row[4] for row in reader.page(0, head, head))

        chunks = list(export_jsonl(app, page_size=6))
        assert b"".join(chunks) == b"".join(decoded_by_the_library(app))
        lines = [json.loads(line) for line in lines_of(chunks)]
        assert [line["position"] for line in lines] == list(range(1, head + 1))
        assert lines[0]["data"]["brief"]["supervisor"]["name"] == "Dana Whitfield"
    finally:
        app.close()


def test_states_not_led_by_their_timestamp_fall_back_to_decoding(app: Marketplace) -> None:
    reader = log_reader(app)
    gig = str(uuid4())
    states = [
        {"timestamp": "2026-03-02T09:00:00Z", "note": "led by its timestamp"},
        {"pay": {"amount": 100, "currency": "eur"}, "timestamp": "2026-03-02T09:01:00Z"},
        {"note": "no timestamp at all"},
        {"timestamp": 'quoted "2026" \\ and a tab\t', "note": "naïve café ✓"},
        {"timestamp": None, "note": None},
    ]
    rows: list[LogRow] = [
        (i, gig, i, f"domain.gig:Gig.Kind{i}", msgspec.json.encode(state))
        for i, state in enumerate(states, start=1)
    ]

    fast = JsonLines(app.mapper, reader).page(rows)
    assert fast == JsonLines(app.mapper, reader, decode=True).page(rows)
    lines = [json.loads(line) for line in fast.splitlines()]
    assert [line["at"] for line in lines] == [state.get("timestamp") for state in states]
    assert [line["type"] for line in lines] == [f"Kind{i}" for i in range(1, 6)]
    assert {line["gig_id"] for line in lines} == {gig}
