"""The msgspec mapper restores events typed: a class at version 1 straight from its stored state,
a class past version 1 through its upcasts from whichever version was stored."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from api.event_codec import MsgspecMapper, MsgspecTranscoder

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Note(Aggregate):
    class Written(Aggregate.Event):
        text: str

    class Tagged(Aggregate.Event):
        class_version = 3
        text: str
        tag: str
        words: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["tag"] = "untagged"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["words"] = len(state["text"].split())


def _stored(cls: type, state: dict[str, Any]) -> StoredEvent:
    body = MsgspecTranscoder().encode({"timestamp": AT, **state})
    return StoredEvent(uuid4(), 2, get_topic(cls), body)


def test_a_version_one_event_is_decoded_into_its_types() -> None:
    stored = _stored(Note.Written, {"text": "hello"})

    event: Any = MsgspecMapper(MsgspecTranscoder()).to_domain_event(stored)

    assert type(event) is Note.Written
    assert (event.text, event.timestamp, event.originator_id, event.originator_version) == (
        "hello",
        AT,
        stored.originator_id,
        2,
    )


def test_a_later_version_is_upcast_from_each_version_stored() -> None:
    mapper = MsgspecMapper(MsgspecTranscoder())
    from_v1: Any = mapper.to_domain_event(_stored(Note.Tagged, {"text": "two words"}))
    from_v2: Any = mapper.to_domain_event(
        _stored(Note.Tagged, {"class_version": 2, "text": "three more words", "tag": "kept"})
    )
    current: Any = mapper.to_domain_event(
        _stored(Note.Tagged, {"class_version": 3, "text": "x", "tag": "t", "words": 9})
    )

    assert (from_v1.tag, from_v1.words, from_v1.timestamp) == ("untagged", 2, AT)
    assert (from_v2.tag, from_v2.words) == ("kept", 3)
    assert (current.tag, current.words) == ("t", 9)


def test_threads_meeting_a_new_event_type_at_once_build_its_decoder_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building a decoder teaches msgspec about the type's dataclasses, and two builds at once
    crashed the process; the first thread builds while the others wait for its decoder."""
    import api.event_codec as codec

    class Late(Aggregate):
        class Noted(Aggregate.Event):
            text: str

    built: list[type] = []
    build = codec._typed_decoder

    def slow_build(cls: type) -> Any:
        built.append(cls)
        time.sleep(0.05)  # long enough for every thread to arrive while the first builds
        return build(cls)

    monkeypatch.setattr(codec, "_typed_decoder", slow_build)
    stored = _stored(Late.Noted, {"text": "at once"})
    mapper = MsgspecMapper(MsgspecTranscoder())
    start = threading.Barrier(6)
    texts: list[str] = []

    def decode() -> None:
        start.wait()
        texts.append(mapper.to_domain_event(stored).text)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=decode) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert texts == ["at once"] * 6
    assert built == [Late.Noted]
