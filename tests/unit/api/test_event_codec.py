"""The msgspec mapper restores events typed: a class at version 1 straight from its stored state,
a class past version 1 through its upcasts from whichever version was stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

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
