"""Query parameters shared by list endpoints: time windows and cursor paging."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import Parameter, QueryParameter

Limit = Annotated[int | None, Parameter(ge=1, le=500, description="page size (default 50, max 500)")]
Cursor = Annotated[str | None, Parameter(description="the next_cursor of the previous page")]
Since = Annotated[datetime | None, QueryParameter(name="from", description="RFC 3339, inclusive")]
Until = Annotated[datetime | None, QueryParameter(name="to", description="RFC 3339, exclusive")]

# Python names of parameters whose query names are keywords, for naming them in error messages.
QUERY_NAMES = {"since": "from", "until": "to"}
