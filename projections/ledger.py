"""The escrow ledger: double-entry postings for every money event of a gig, and the payouts view.

`post` is a pure fold from one gig event to its postings; every event's postings sum to zero per
currency, so the trial balance is zero by construction and a non-zero one means a broken store.
`LedgerProjection` writes those postings (and each student's payout status) to read-model tables;
the query functions at the bottom serve `/finance/ledger`, `/finance/ledger.csv` and
`/finance/payouts`. Accounts and postings per event are documented in docs/finance.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from domain.gig import Gig
from domain.money import CURRENCY_EXPONENTS, Money
from projections.audit_log import EventsTable
from projections.columns import NEVER, iso
from projections.database import Connection, Database, Row
from projections.paging import InvalidQuery, checked_limit, decode_cursor, encode_cursor
from projections.read_model import BufferedReadModel, NewRows, Rows, handles, iso_at, text_id

ESCROW = "escrow"
FEES_HELD = "escrow:fees"
# A charge that arrived after the gig stopped awaiting it, held only until it is refunded in full.
STRAY = "escrow:stray"
PLATFORM_FEES = "platform:fees"

Kind = Literal["charge", "settlement", "transfer", "refund"]
PayoutStatus = Literal["pending", "waiting_for_onboarding", "sent", "failed"]
PAYOUT_STATUSES: tuple[PayoutStatus, ...] = ("pending", "waiting_for_onboarding", "sent", "failed")
# Failure codes meaning "the student cannot receive money yet", not "the transfer broke".
ONBOARDING_CODES = frozenset({"payouts_not_enabled", "account_not_onboarded", "no_payout_account"})
# The escrow process records a failed refund as PayoutFailed too; it says nothing about the student.
REFUND_FAILURE = "refund failed"


def employer(user_id: object) -> str:
    return f"employer:{user_id}"


def student(user_id: object) -> str:
    return f"student:{user_id}"


def payable(side: str, user_id: object) -> str:
    return f"payable:{side}:{user_id}"


class LedgerError(Exception):
    """The log says money moved in a way the ledger cannot place (a poison event)."""


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    amount: int
    currency: str
    kind: Kind
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class GigBook:
    """What the fold remembers about one gig between events."""

    employer_id: str | None = None
    student_id: str | None = None
    fee: Money | None = None


def _move(source: str, target: str, money: Money, kind: Kind, ref: str | None = None) -> list[Posting]:
    if money.amount == 0:
        return []
    return [
        Posting(source, -money.amount, money.currency, kind, ref),
        Posting(target, money.amount, money.currency, kind, ref),
    ]


def _require(value: str | None, what: str) -> str:
    if value is None:
        raise LedgerError(f"money moved before the gig had {what}")
    return value


def _charge(book: GigBook, event: Gig.FundingRecorded) -> list[Posting]:
    payer = employer(_require(book.employer_id, "an employer"))
    fee = book.fee or Money.zero(event.amount.currency)
    # The fee is held apart from the pay: a full refund returns it, any other ending earns it.
    return _move(payer, ESCROW, event.amount - fee, "charge", event.payment_ref) + _move(
        payer, FEES_HELD, fee, "charge", event.payment_ref
    )


def _settle(book: GigBook, event: Gig.Settled) -> list[Posting]:
    split = event.settlement
    if split.total.amount == 0:
        return []  # settled before any money was charged
    fee = book.fee or Money.zero(split.platform.currency)
    fee_back = fee - split.platform
    if fee_back.amount < 0 or fee_back.amount > split.employer.amount:
        raise LedgerError(f"settlement {split} does not fit the fee {fee} held")
    postings = _move(FEES_HELD, PLATFORM_FEES, split.platform, "settlement")
    if split.employer.amount:
        who = _require(book.employer_id, "an employer")
        postings += _move(FEES_HELD, payable("employer", who), fee_back, "settlement")
        postings += _move(ESCROW, payable("employer", who), split.employer - fee_back, "settlement")
    if split.student.amount:
        who = _require(book.student_id, "a student")
        postings += _move(ESCROW, payable("student", who), split.student, "settlement")
    return postings


def post(book: GigBook, event: object) -> tuple[GigBook, list[Posting]]:
    """The postings one gig event makes, and what the fold must remember for the next one."""
    if isinstance(event, Gig.DraftCreated):
        return replace(book, employer_id=text_id(event.employer_id)), []
    if isinstance(event, Gig.Published):
        return replace(book, fee=event.fee), []
    if isinstance(event, Gig.Claimed):
        return replace(book, student_id=text_id(event.student_id)), []
    if isinstance(event, Gig.ClaimReleased):
        return replace(book, student_id=None), []
    if isinstance(event, Gig.FundingRecorded):
        return book, _charge(book, event)
    if isinstance(event, Gig.Cancelled) and event.student_id is not None:
        book = replace(book, student_id=text_id(event.student_id))
    if isinstance(event, Gig.Settled):
        return book, _settle(book, event)
    if isinstance(event, Gig.PayoutRecorded):
        who = text_id(event.student_id)
        ref = event.transfer_ref
        return book, _move(payable("student", who), student(who), event.amount, "transfer", ref)
    if isinstance(event, Gig.StrayFundingRecorded):
        who = employer(_require(book.employer_id, "an employer"))
        return book, _move(who, STRAY, event.amount, "charge", event.payment_ref)
    if isinstance(event, Gig.StrayFundingRefunded):
        who = employer(_require(book.employer_id, "an employer"))
        return book, _move(STRAY, who, event.amount, "refund", event.refund_ref)
    if isinstance(event, Gig.RefundRecorded):
        who = _require(book.employer_id, "an employer")
        return book, _move(payable("employer", who), employer(who), event.amount, "refund", event.refund_ref)
    return book, []


def fold(events: list[Any]) -> list[Posting]:
    """All postings of one gig's events, in order (for tests and rebuild checks)."""
    book, postings = GigBook(), []
    for event in events:
        book, more = post(book, event)
        postings += more
    return postings


def type_of(event: object) -> str:
    return type(event).__qualname__.rsplit(".", 1)[-1]


# ---- the projection ------------------------------------------------------------------------------

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ledger_postings ("
    " position BIGINT NOT NULL, seq INTEGER NOT NULL, gig_id TEXT NOT NULL, account TEXT NOT NULL,"
    " amount BIGINT NOT NULL, currency TEXT NOT NULL, kind TEXT NOT NULL, reference TEXT,"
    " event_type TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (position, seq))",
    "CREATE INDEX IF NOT EXISTS ledger_postings_at ON ledger_postings (at, position, seq)",
    "CREATE INDEX IF NOT EXISTS ledger_postings_gig ON ledger_postings (gig_id)",
    "CREATE TABLE IF NOT EXISTS ledger_books ("
    " gig_id TEXT PRIMARY KEY, employer_id TEXT, student_id TEXT, fee BIGINT, currency TEXT)",
    "CREATE TABLE IF NOT EXISTS ledger_payouts ("
    " gig_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, amount BIGINT NOT NULL, currency TEXT NOT NULL,"
    " status TEXT NOT NULL, failures INTEGER NOT NULL, failure_code TEXT, failure_reason TEXT,"
    " transfer_ref TEXT, settled_position BIGINT NOT NULL, settled_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_payouts_status ON ledger_payouts (status, settled_position)",
)


_POSTING_COLUMNS = (
    "position", "seq", "gig_id", "account", "amount", "currency", "kind", "reference", "event_type", "at",
)  # fmt: skip
_BOOK_COLUMNS = ("gig_id", "employer_id", "student_id", "fee", "currency")
_PAYOUT_COLUMNS = (
    "gig_id", "student_id", "amount", "currency", "status", "failures", "failure_code", "failure_reason",
    "transfer_ref", "settled_position", "settled_at", "updated_at",
)  # fmt: skip


class Ledger(BufferedReadModel):
    """Postings and payout statuses from the Marketplace log. Rows carry the event's log
    position, so the ledger pages in log order and a re-delivered event changes nothing.
    Each gig's book and payout row is folded in memory for the page and written once."""

    name = "ledger"
    writes_behind = True
    tables = ("ledger_postings", "ledger_books", "ledger_payouts")

    def __init__(self, events: EventsTable) -> None:
        super().__init__(events.dialect)
        self.events = events
        self.books = Rows(self.dialect, "ledger_books", ("gig_id",), _BOOK_COLUMNS)
        self.payouts = Rows(self.dialect, "ledger_payouts", ("gig_id",), _PAYOUT_COLUMNS)
        self.postings = NewRows("ledger_postings", _POSTING_COLUMNS, key=("position", "seq"))

    def buffers(self) -> list[Rows]:
        return [self.books, self.payouts]

    def additions(self) -> list[NewRows]:
        return [self.postings]

    def schema(self) -> list[str]:
        return list(SCHEMA)

    @handles(
        Gig.DraftCreated, Gig.Published, Gig.Claimed, Gig.ClaimReleased, Gig.FundingRecorded,
        Gig.Settled, Gig.PayoutRecorded, Gig.PayoutFailed, Gig.RefundRecorded,
        Gig.StrayFundingRecorded, Gig.StrayFundingRefunded,
    )  # fmt: skip
    def on_money_event(self, conn: Connection, event: Any) -> None:
        position = self.event_position
        if position is None:
            position = self.events.position_of(conn, event.originator_id, event.originator_version)
        self.record(conn, event, position)

    def record(self, conn: Connection, event: Any, position: int) -> None:
        gig_id = text_id(event.originator_id)
        book, postings = post(self._book(conn, gig_id), event)
        self._save_book(gig_id, book)
        at = iso_at(event.timestamp)
        event_type = type_of(event)
        self.postings.extend(
            {"position": position, "seq": seq, "gig_id": gig_id, "event_type": event_type, "at": at}
            | {"account": p.account, "amount": p.amount, "currency": p.currency}
            | {"kind": p.kind, "reference": p.reference}
            for seq, p in enumerate(postings)
        )
        self._track_payout(conn, event, gig_id, book, position, at)

    def _book(self, conn: Connection, gig_id: str) -> GigBook:
        row = self.books.get(conn, gig_id)
        if row is None:
            return GigBook()
        fee = None if row["fee"] is None else Money(int(row["fee"]), row["currency"])
        return GigBook(row["employer_id"], row["student_id"], fee)

    def _save_book(self, gig_id: str, book: GigBook) -> None:
        self.books.put(
            {
                "gig_id": gig_id,
                "employer_id": book.employer_id,
                "student_id": book.student_id,
                "fee": None if book.fee is None else book.fee.amount,
                "currency": None if book.fee is None else book.fee.currency,
            }
        )

    def _track_payout(
        self, conn: Connection, event: Any, gig_id: str, book: GigBook, position: int, at: str
    ) -> None:
        """Settled with a student share → pending; a failure → failed, or waiting for onboarding
        when the student cannot receive money yet; a recorded transfer → sent."""
        if isinstance(event, Gig.Settled) and event.settlement.student.amount and book.student_id:
            if self.payouts.get(conn, gig_id) is not None:
                return  # a gig settles once; its payout row is never started again
            share: Money = event.settlement.student
            self.payouts.put(
                {"gig_id": gig_id, "student_id": book.student_id, "amount": share.amount}
                | {"currency": share.currency, "status": "pending", "failures": 0, "failure_code": None}
                | {"failure_reason": None, "transfer_ref": None, "settled_position": position}
                | {"settled_at": at, "updated_at": at}
            )
        elif isinstance(event, Gig.PayoutFailed) and not event.reason.startswith(REFUND_FAILURE):
            row = self.payouts.get(conn, gig_id)
            if row is None or row["status"] == "sent":
                return
            status = "waiting_for_onboarding" if event.failure_code in ONBOARDING_CODES else "failed"
            self.payouts.update(
                conn,
                gig_id,
                status=status,
                failures=int(row["failures"]) + 1,
                failure_code=event.failure_code,
                failure_reason=event.reason,
                updated_at=at,
            )
        elif isinstance(event, Gig.PayoutRecorded):
            self.payouts.update(conn, gig_id, status="sent", transfer_ref=event.transfer_ref, updated_at=at)


# ---- queries -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Balance:
    account: str
    currency: str
    opening: int
    movement: int
    closing: int


@dataclass(frozen=True, slots=True)
class LedgerPage:
    entries: list[Row]
    balances: list[Balance]
    next_cursor: str | None


_ENTRY_COLUMNS = "position, seq, gig_id, account, amount, currency, kind, reference, event_type, at"


def _window(since: datetime | None, until: datetime | None) -> dict[str, str]:
    return {
        "since": iso(since) if since else "",
        "until": iso(until) if until else NEVER,
    }


def _cursor(row: Row) -> str:
    return encode_cursor(int(row["position"]), int(row["seq"]))


def _after(cursor: str | None) -> dict[str, int]:
    position, seq = decode_cursor(cursor, 2, (int, int)) if cursor else (-1, -1)
    return {"after_position": int(position), "after_seq": int(seq)}


def _entries(conn: Connection, window: dict[str, Any], cursor: str | None, limit: int) -> list[Row]:
    return conn.fetchall(
        f"SELECT {_ENTRY_COLUMNS} FROM ledger_postings WHERE at >= :since AND at < :until"
        " AND (position > :after_position OR (position = :after_position AND seq > :after_seq))"
        " ORDER BY position, seq LIMIT :limit",
        window | _after(cursor) | {"limit": limit},
    )


def _balance(row: Row) -> Balance:
    opening, movement = int(row["opening"]), int(row["movement"])
    return Balance(row["account"], row["currency"], opening, movement, opening + movement)


def balances(conn: Connection, since: datetime | None = None, until: datetime | None = None) -> list[Balance]:
    rows = conn.fetchall(
        "SELECT account, currency,"
        " SUM(CASE WHEN at < :since THEN amount ELSE 0 END) AS opening,"
        " SUM(CASE WHEN at >= :since THEN amount ELSE 0 END) AS movement"
        " FROM ledger_postings WHERE at < :until GROUP BY account, currency ORDER BY account, currency",
        _window(since, until),
    )
    return [_balance(r) for r in rows]


def get_ledger(
    db: Database,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> LedgerPage:
    """Postings in [since, until) in log order, one page, with every account's balance."""
    limit = checked_limit(limit)
    with db.transaction() as conn:
        entries = _entries(conn, _window(since, until), cursor, limit + 1)
        totals = balances(conn, since, until)
    more = len(entries) > limit
    entries = entries[:limit]
    return LedgerPage(entries, totals, _cursor(entries[-1]) if more else None)


def trial_balance(db: Database) -> dict[str, int]:
    """Sum of all postings per currency: zero for every currency in a sound ledger."""
    with db.transaction() as conn:
        rows = conn.fetchall("SELECT currency, SUM(amount) AS total FROM ledger_postings GROUP BY currency")
    return {r["currency"]: int(r["total"]) for r in rows}


def decimal_text(amount: int, currency: str) -> str:
    """Minor units as a decimal string for spreadsheets, without going through floats."""
    exp = CURRENCY_EXPONENTS.get(currency, 2)
    if exp == 0:
        return str(amount)
    whole, minor = divmod(abs(amount), 10**exp)
    return f"{'-' if amount < 0 else ''}{whole}.{minor:0{exp}d}"


CSV_HEADER = [*_ENTRY_COLUMNS.split(", "), "amount_decimal"]


def ledger_csv(
    db: Database, since: datetime | None = None, until: datetime | None = None, *, page_size: int = 1000
) -> Iterator[str]:
    """The postings as CSV text chunks (header first), one short transaction per page so a slow
    download never holds the database."""
    yield _csv_line(CSV_HEADER)
    window, cursor = _window(since, until), None
    while True:
        with db.transaction() as conn:
            rows = _entries(conn, window, cursor, page_size)
        if not rows:
            return
        yield "".join(
            _csv_line([*(r[c] for c in CSV_HEADER[:-1]), decimal_text(r["amount"], r["currency"])])
            for r in rows
        )
        cursor = _cursor(rows[-1])


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class PayoutsPage:
    items: list[Row]
    next_cursor: str | None


def get_payouts(
    db: Database, status: str | None = None, *, limit: int | None = None, cursor: str | None = None
) -> PayoutsPage:
    """Student payouts in the order their gigs were settled, optionally of one status."""
    if status is not None and status not in PAYOUT_STATUSES:
        raise InvalidQuery(f"status must be one of {', '.join(PAYOUT_STATUSES)}", field="status")
    limit = checked_limit(limit)
    (after,) = decode_cursor(cursor, 1, (int,)) if cursor else (-1,)
    with db.transaction() as conn:
        rows = conn.fetchall(
            "SELECT * FROM ledger_payouts WHERE settled_position > :after"
            " AND (:status = '' OR status = :status) ORDER BY settled_position LIMIT :limit",
            {"after": int(after), "status": status or "", "limit": limit + 1},
        )
    more = len(rows) > limit
    rows = rows[:limit]
    return PayoutsPage(rows, encode_cursor(int(rows[-1]["settled_position"])) if more else None)
