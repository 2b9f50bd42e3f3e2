"""Reading the board: filters, text search, four orders and keyset pagination.

The board is the busiest read, so its rows become msgspec structs rather than dicts, and the
JSON lists the read model stores (deliverables, skills) are spliced into the response as they
are instead of being decoded and encoded again."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from projections.database import Database
from projections.paging import InvalidQuery, checked_limit, decode_cursor, encode_cursor

SORTS: dict[str, tuple[str, str]] = {
    "newest": ("posted_at", "DESC"),
    "pay": ("pay_amount", "DESC"),
    "pay_per_hour": ("pay_per_hour", "DESC"),
    "deadline": ("deadline_key", "ASC"),
}
_SORT_KEY_TYPES: dict[str, type] = {"newest": str, "pay": int, "pay_per_hour": int, "deadline": str}
"""The type of each sort's key in a cursor: a hand-made one of another type is a 400, not a
comparison the database refuses."""
_WORD = re.compile(r"\w+")


def _text_filter(dialect: str, q: str) -> tuple[str, str] | None:
    words = _WORD.findall(q)
    if not words:
        return None
    if dialect == "postgres":
        return "g.search @@ plainto_tsquery('english', :q)", " ".join(words)
    # Quoting each word keeps user input from being read as FTS5 query syntax.
    return "g.doc_id IN (SELECT rowid FROM board_fts WHERE board_fts MATCH :q)", " ".join(
        f'"{w}"' for w in words
    )


def _filters(db: Database, f: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    where, params = ["g.listed = 1"], {}
    if f["q"]:
        text = _text_filter(db.dialect, f["q"])
        if text is not None:
            where.append(text[0])
            params["q"] = text[1]
    if f["skill"]:
        where.append("EXISTS (SELECT 1 FROM board_skills s WHERE s.skill = :skill AND s.gig_id = g.gig_id)")
        params["skill"] = f["skill"].lower()
    for key, clause in (
        ("min_pay", "g.pay_amount >= :min_pay"),
        ("max_pay", "g.pay_amount <= :max_pay"),
        ("max_hours", "g.estimated_hours <= :max_hours"),
    ):
        if f[key] is not None:
            where.append(clause)
            params[key] = f[key]
    if f["currency"]:
        where.append("g.currency = :currency")
        params["currency"] = f["currency"].lower()
    return where, params


class BoardMoney(msgspec.Struct):
    amount: int
    currency: str


class BoardItem(msgspec.Struct):
    id: str
    employer_id: str
    title: str
    summary: str
    deliverables: msgspec.Raw
    """The stored JSON list of strings."""
    skills: msgspec.Raw
    """The stored JSON list of lower-case skills."""
    estimated_hours: int | None
    pay: BoardMoney | None
    pay_per_hour: BoardMoney | None
    deadline: str | None
    jurisdiction: str
    posted_at: str | None


class BoardPage(msgspec.Struct):
    items: list[BoardItem]
    next_cursor: str | None


def _item(row: dict[str, Any]) -> BoardItem:
    amount, currency, per_hour = row["pay_amount"], row["currency"], row["pay_per_hour"]
    paid = amount is not None and currency is not None
    return BoardItem(
        id=row["gig_id"],
        employer_id=row["employer_id"],
        title=row["title"],
        summary=row["summary"],
        deliverables=msgspec.Raw(row["deliverables"]),
        skills=msgspec.Raw(row["skills"]),
        estimated_hours=row["estimated_hours"],
        pay=BoardMoney(amount, currency) if paid else None,
        pay_per_hour=BoardMoney(per_hour, currency) if currency is not None and per_hour >= 0 else None,
        deadline=row["deadline"],
        jurisdiction=row["jurisdiction"],
        posted_at=row["posted_at"],
    )


def board_page(db: Database, **query: Any) -> tuple[list[dict[str, Any]], str | None]:
    """One page of posted gigs as plain dicts (exactly the JSON the API serves), and the cursor
    of the next page (None on the last one); `query` as `board_view` takes it."""
    page = board_view(db, **query)
    items: list[dict[str, Any]] = msgspec.json.decode(msgspec.json.encode(page.items))
    return items, page.next_cursor


def board_view(
    db: Database,
    *,
    q: str | None = None,
    skill: str | None = None,
    min_pay: int | None = None,
    max_pay: int | None = None,
    max_hours: int | None = None,
    currency: str | None = None,
    sort: str = "newest",
    limit: int | None = None,
    cursor: str | None = None,
) -> BoardPage:
    """One page of posted gigs and the cursor of the next page (None on the last one)."""
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}", field="sort")
    limit = checked_limit(limit)
    column = SORTS[sort][0]
    filters = {
        "q": q,
        "skill": skill,
        "min_pay": min_pay,
        "max_pay": max_pay,
        "max_hours": max_hours,
        "currency": currency,
    }
    where, params = _filters(db, filters)
    after: tuple[object, str] | None = None
    if cursor:
        cursor_sort, key, last_id = decode_cursor(cursor, 3, (str, object, str))
        if cursor_sort != sort:
            raise InvalidQuery("the cursor belongs to another sort order", field="cursor")
        if not isinstance(key, _SORT_KEY_TYPES[sort]) or isinstance(key, bool):
            raise InvalidQuery("the cursor is not one this server issued", field="cursor")
        after = (key, str(last_id))
    sql, params = board_query(sort, where, params, after, limit + 1)
    with db.read() as conn:
        rows = conn.fetchall(sql, params)
    items = [_item(row) for row in rows[:limit]]
    if len(rows) <= limit:
        return BoardPage(items, None)
    last = rows[limit - 1]
    return BoardPage(items, encode_cursor(sort, last[column], last["gig_id"]))


_COLUMNS = (
    "g.gig_id, g.employer_id, g.title, g.summary, g.deliverables, g.skills, g.estimated_hours,"
    " g.pay_amount, g.currency, g.pay_per_hour, g.deadline, g.deadline_key, g.jurisdiction, g.posted_at"
)


def board_query(
    sort: str, where: list[str], params: dict[str, Any], after: tuple[object, str] | None, limit: int
) -> tuple[str, dict[str, Any]]:
    """The page's SQL: the rows matching `where` in the sort's order, those after the cursor's
    (key, gig id) when `after` is given.

    After a cursor the rows come from two seeks into the sort's index, merged: the rest of the
    cursor's key (its ties, by gig id) and the keys beyond it. One condition, `key < :key OR
    (key = :key AND gig_id > :last_id)`, cannot seek in an index ordered by key descending and
    gig id ascending: it would start at the first of the ties and step over every one already
    shown, so paging through many gigs of one pay got slower with each page."""
    column, direction = SORTS[sort]
    order = f"{column} {direction}, gig_id"
    select = f"SELECT {_COLUMNS} FROM board_gigs g WHERE "
    if after is None:
        sql = f"{select}{' AND '.join(where)} ORDER BY g.{column} {direction}, g.gig_id LIMIT :limit"
        return sql, {**params, "limit": limit}
    key, last_id = after
    beyond = "<" if direction == "DESC" else ">"
    ties = " AND ".join([*where, f"g.{column} = :key", "g.gig_id > :last_id"])
    rest = " AND ".join([*where, f"g.{column} {beyond} :key"])
    sql = (
        f"SELECT * FROM ({select}{ties} ORDER BY g.gig_id LIMIT :limit) AS ties"
        f" UNION ALL SELECT * FROM ({select}{rest} ORDER BY g.{column} {direction}, g.gig_id LIMIT :limit)"
        f" AS rest ORDER BY {order} LIMIT :limit"
    )
    return sql, {**params, "key": key, "last_id": last_id, "limit": limit}
