"""Read-your-writes: reads wait (briefly) until the read models include the caller's writes.

A command's response carries its log position (`Fairgig-Position`). A client may send it back as
`Fairgig-Wait-For` on any read; and within one API process the caller's last write is remembered,
so the embedded default gives read-your-writes without the client doing anything."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from litestar import Request
from litestar.exceptions import HTTPException

WAIT_HEADER = "fairgig-wait-for"
STALE_HEADER = "Fairgig-Stale"
MAX_REMEMBERED = 100_000


class WriteMemory:
    def __init__(self) -> None:
        self._last: dict[UUID, int] = {}
        self._lock = threading.Lock()

    def remember(self, principal: UUID, position: int | None) -> None:
        if position is None:
            return
        with self._lock:
            if len(self._last) >= MAX_REMEMBERED:
                self._last.clear()  # losing the memory only costs a possibly stale read
            self._last[principal] = max(position, self._last.get(principal, 0))

    def last(self, principal: UUID) -> int:
        with self._lock:
            return self._last.get(principal, 0)


def position_to_wait_for(request: Request[Any, Any, Any], memory: WriteMemory, principal: UUID | None) -> int:
    raw = request.headers.get(WAIT_HEADER)
    asked = 0
    if raw:
        try:
            asked = int(raw)
        except ValueError:
            raise HTTPException(status_code=400, detail="Fairgig-Wait-For must be a log position") from None
    remembered = memory.last(principal) if principal is not None else 0
    return max(asked, remembered)
