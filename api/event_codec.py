"""Event serialisation with msgspec: a Transcoder on the library's interface, and a Mapper that
decodes each event's state straight into its declared field types (UUID, datetime, Money, Brief)
in one pass, instead of walking a tagged JSON tree as the stock JSON transcoder does."""

from __future__ import annotations

import threading
import typing
from functools import cache
from typing import Any, ClassVar, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic

_ENVELOPE = frozenset({"originator_id", "originator_version"})


class MsgspecTranscoder(Transcoder):
    """JSON bytes via msgspec. Decoding without a type gives plain builtins."""

    def __init__(self) -> None:
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()

    def encode(self, obj: Any) -> bytes:
        return self._encoder.encode(obj)

    def decode(self, data: bytes) -> Any:
        return self._decoder.decode(data)


@cache
def _state_type(event_cls: type) -> type[msgspec.Struct]:
    hints = typing.get_type_hints(event_cls)
    fields = [
        (name, hint)
        for name, hint in hints.items()
        if name not in _ENVELOPE and typing.get_origin(hint) is not ClassVar
    ]
    return msgspec.defstruct(f"{event_cls.__qualname__}State", fields)


@cache
def _typed_decoder(event_cls: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_state_type(event_cls))


_BUILDING = threading.Lock()
"""One typed decoder built at a time. msgspec caches what it learns of a dataclass (`Brief`,
`Money`) on the class as it builds a decoder, and building runs Python code that lets other
threads in: two followers meeting a new event type at once built the same cache twice, and a
decoder built from the replaced one crashed the process (a segmentation fault) on its next use."""


def _decoder_for(topic: str) -> tuple[type, msgspec.json.Decoder[Any] | None]:
    """The topic's event class and, when its stored state needs no upcasting, its typed
    decoder; built once per process and kept in `_DECODERS`."""
    with _BUILDING:
        found = _DECODERS.get(topic)
        if found is None:
            cls = resolve_topic(topic)
            # Built for upcast classes too: `msgspec.convert` then finds the type's cache made.
            typed = _typed_decoder(cls)
            found = _DECODERS[topic] = (cls, typed if getattr(cls, "class_version", 1) == 1 else None)
        return found


_DECODERS: dict[str, tuple[type, msgspec.json.Decoder[Any] | None]] = {}
"""Per topic: every event of a catch-up would otherwise resolve its topic and look up its decoder.
Read without the lock: a topic's entry is stored whole, once, after its decoder is built."""
asdict = msgspec.structs.asdict


class MsgspecMapper(Mapper[UUID]):
    """Stores events with the msgspec transcoder; restores them typed, honouring class_version
    upcasts, the cipher and the compressor exactly as the library's Mapper does."""

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        topic = stored_event.topic
        found = _DECODERS.get(topic)
        if found is None:
            found = _decoder_for(topic)
        cls, typed = found
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = asdict(typed.decode(data)) if typed is not None else self._upcast(cls, data)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as e:
            msg = (
                f"Failed to deserialise state of stored event with topic '{stored_event.topic}', "
                f"originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
        originator_id = stored_event.originator_id
        state["originator_id"] = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        state["originator_version"] = stored_event.originator_version
        domain_event: Any = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def _upcast(self, cls: type, data: bytes) -> dict[str, Any]:
        """The state of an event class past version 1, upcast from whatever version was stored."""
        class_version: int = cls.class_version  # type: ignore[attr-defined]
        raw: dict[str, Any] = self.transcoder.decode(data)
        from_version = raw.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(raw)
            from_version += 1
        return asdict(msgspec.convert(raw, _state_type(cls)))
