"""Turn a Pydantic error on a rules document into "where: problem" a sales-ops user can act on.

``('pools', 2, 'members', 0, 'weight')`` becomes ``pool 'Enterprise' (pools[3]).members[1]
.weight`` (positions are 1-based, as in an editor's list), and an extra key becomes
``unknown key 'weigth' (did you mean 'weight'?)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from coxswain.routing.engine import document as routing_document
from coxswain.sla.engine import spec as sla_spec

_ITEM_KINDS = {
    "pools": "pool",
    "rules": "rule",
    "territories": "territory",
    "calendars": "calendar",
    "policies": "SLA policy",
    "escalations": "escalation",
}


def _known_keys() -> list[str]:
    keys: set[str] = set()
    for module in (routing_document, sla_spec):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                keys.update(value.model_fields)
    return sorted(keys)


KNOWN_KEYS = _known_keys()


def describe_pydantic_error(error: Mapping[str, Any], raw: Any) -> tuple[str, str]:
    """``(where, problem)`` for one Pydantic error dict against the raw document."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return locate(loc[:-1], raw), f"unknown key {key!r}{hint}"
    if kind == "missing" and loc:
        return locate(loc[:-1], raw), f"missing required key {str(loc[-1])!r}"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind != "value_error" and "input" in error and not isinstance(error["input"], dict):
        message = f"{message} (got {error['input']!r})"
    return locate(loc, raw), message


def locate(loc: Sequence[Any], raw: Any) -> str:
    """A readable path for ``loc``, naming list items by their ``name`` when they have one."""
    parts: list[str] = []
    node = raw
    index = 0
    while index < len(loc):
        key = loc[index]
        node = _child(node, key)
        nxt = loc[index + 1] if index + 1 < len(loc) else None
        if isinstance(nxt, int) and str(key) in _ITEM_KINDS:
            item = _child(node, nxt)
            label = f"{key}[{nxt + 1}]"
            name = item.get("name") if isinstance(item, Mapping) else None
            parts.append(f"{_ITEM_KINDS[str(key)]} {name!r} ({label})" if name else label)
            node = item
            index += 2
            continue
        parts.append(f"[{key + 1}]" if isinstance(key, int) else str(key))
        index += 1
    return ".".join(parts).replace(".[", "[")


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None
