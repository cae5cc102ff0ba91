"""Duplicate leads: the same person arriving twice (same e-mail, phone, or name at a company).

Keys, each optional per rules file (``duplicates.match_on``):

- ``email``: the address, case-folded.
- ``phone``: the last 10 digits (at least 7 digits are needed), so ``+1 (415) 555-0100`` and
  ``415.555.0100`` agree.
- ``name_and_company``: first and last name plus the normalised company name, all present.

A duplicate is never dropped: the service links it to the original (or merges it into the
original with :func:`merge_updates`) and records that in ``lead_duplicates``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coxswain.matching.engine.normalize import company_key

_DIGITS = re.compile(r"\D+")
MIN_PHONE_DIGITS = 7
# Fields a merge may fill on the surviving lead (never overwriting a value it has).
MERGEABLE = (
    "first_name", "last_name", "email", "phone", "title", "company", "website", "industry",
    "employees", "country", "state", "city", "postal_code", "source", "landing_page", "campaign",
    "segment", "size_segment", "score",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A lead already known: its reference, its owner (e-mail) and the fields keys use."""

    lead_ref: str
    owner: str | None
    fields: Mapping[str, Any]


def duplicate_keys(lead: Mapping[str, Any], match_on: Sequence[str]) -> list[tuple[str, str]]:
    """``(kind, key)`` pairs identifying ``lead`` for each kind in ``match_on`` it has data for."""
    keys: list[tuple[str, str]] = []
    for kind in match_on:
        key = _key(lead, kind)
        if key:
            keys.append((kind, key))
    return keys


def _key(lead: Mapping[str, Any], kind: str) -> str | None:
    if kind == "email":
        email = lead.get("email")
        return str(email).strip().casefold() or None if email else None
    if kind == "phone":
        digits = _DIGITS.sub("", str(lead.get("phone") or ""))
        return digits[-10:] if len(digits) >= MIN_PHONE_DIGITS else None
    first = str(lead.get("first_name") or "").strip().casefold()
    last = str(lead.get("last_name") or "").strip().casefold()
    company = company_key(lead.get("company"))
    return f"{first}|{last}|{company}" if first and last and company else None


class DuplicateIndex:
    """Known leads by key; :meth:`find` answers the first (oldest added) match."""

    def __init__(self, match_on: Sequence[str], records: Iterable[LeadRecord] = ()) -> None:
        self.match_on = tuple(match_on)
        self._by_key: dict[tuple[str, str], LeadRecord] = {}
        for record in records:
            self.add(record)

    def add(self, record: LeadRecord) -> None:
        for pair in duplicate_keys(record.fields, self.match_on):
            self._by_key.setdefault(pair, record)

    def records(self) -> list[LeadRecord]:
        """Every distinct record indexed (in the order first added)."""
        seen: dict[int, LeadRecord] = {}
        for record in self._by_key.values():
            seen.setdefault(id(record), record)
        return list(seen.values())

    def find(
        self, lead: Mapping[str, Any], *, exclude_ref: str | None = None
    ) -> tuple[LeadRecord, str] | None:
        """``(original, kind matched on)`` for ``lead``, skipping the lead itself."""
        for pair in duplicate_keys(lead, self.match_on):
            record = self._by_key.get(pair)
            if record is not None and record.lead_ref != exclude_ref:
                return record, pair[0]
        return None


def merge_updates(survivor: Mapping[str, Any], duplicate: Mapping[str, Any]) -> dict[str, Any]:
    """Fields to set on ``survivor`` from ``duplicate``: only where the survivor has no value.

    ``attributes`` are merged key by key, the survivor's values winning.
    """
    updates = {
        name: duplicate[name]
        for name in MERGEABLE
        if survivor.get(name) in (None, "") and duplicate.get(name) not in (None, "")
    }
    theirs = duplicate.get("attributes") or {}
    ours = survivor.get("attributes") or {}
    if isinstance(theirs, Mapping) and any(key not in ours for key in theirs):
        updates["attributes"] = {**theirs, **ours}
    return updates
