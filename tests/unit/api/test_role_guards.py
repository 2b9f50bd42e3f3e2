"""The role guard admits a caller holding one of its roles and refuses any other, and it is a
coroutine, so litestar runs it on the event loop rather than handing it to its thread pool."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from uuid import uuid4

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.utils.sync import ensure_async_callable

from api.auth import Principal, requires


class _Connection:
    def __init__(self, user: object) -> None:
        self.scope = {"user": user}


def _check(roles: tuple[str, ...], user: object) -> None:
    guard = requires(*roles)
    asyncio.run(guard(_Connection(user), None))


def test_a_caller_with_one_of_the_roles_is_admitted() -> None:
    _check(("employer", "student"), Principal(uuid4(), frozenset({"student"})))


@pytest.mark.parametrize(
    ("user", "error"),
    [
        (Principal(uuid4(), frozenset({"student"})), PermissionDeniedException),
        (Principal(uuid4(), frozenset()), PermissionDeniedException),
        (None, NotAuthorizedException),
    ],
)
def test_anyone_else_is_refused(user: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        _check(("employer",), user)


def test_the_guard_runs_on_the_event_loop() -> None:
    guard = requires("auditor")
    assert inspect.iscoroutinefunction(guard)
    assert ensure_async_callable(guard) is guard  # not wrapped to run in a thread
