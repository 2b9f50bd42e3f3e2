"""Stripe's form encoding (`metadata[gig_id]=g1`, `expand[0]=x`) read back into nested values."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"[^\[\]]+|\[([^\[\]]*)\]")


def decode(encoded: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        parts = [m.group(1) if m.group(1) is not None else m.group(0) for m in _KEY.finditer(key)]
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    decoded: dict[str, Any] = _lists(tree)
    return decoded


def _lists(node: Any) -> Any:
    """Indexed keys (`expand[0]`) become lists, the way the SDK meant them."""
    if not isinstance(node, dict):
        return node
    items = {k: _lists(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def as_bool(value: Any) -> bool:
    return str(value).lower() in ("true", "1")
