"""The lead fields a rule can test: native columns, ``attributes.<key>`` and derived fields.

Every field has a *kind* that decides which operators apply and how values are normalised
before comparison:

- ``text``: trimmed and case-folded (``" ACME "`` equals ``"acme"``)
- ``number``: int or float; text that parses as a number is accepted (CSV, attributes)
- ``datetime``: timezone-aware; compared in UTC
- ``bool``: true/false
- ``set``: a set of names (``territory``: every territory the lead falls in)

``attributes.<key>`` reads the lead's ``attributes`` object (source fields without a column);
its kind follows the operator used (``gte`` → number, ``equals`` → text).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coxswain.imports.engine.schema import LEADS
from coxswain.matching.engine.normalize import email_domain, is_free_mail, website_domain

TEXT, NUMBER, DATETIME, BOOL, SET = "text", "number", "datetime", "bool", "set"
ATTRIBUTE_PREFIX = "attributes."

_KIND_OF_SPEC = {
    "text": TEXT, "email": TEXT, "enum": TEXT, "ref": TEXT, "int": NUMBER, "decimal": NUMBER,
    "datetime": DATETIME, "date": DATETIME, "bool": BOOL,
}  # fmt: skip
# The lead columns engines read (rules, matching, duplicates, SLA), loaded for each lead.
LEAD_FIELDS = (
    "first_name", "last_name", "email", "phone", "title", "company", "website", "industry",
    "employees", "country", "state", "city", "postal_code", "source", "landing_page", "campaign",
    "segment", "size_segment", "status", "score", "received_at", "mql_at", "accepted_at",
    "first_touch_at", "attributes", "external_id",
)  # fmt: skip
DERIVED: dict[str, tuple[str, str]] = {
    "email_domain": (TEXT, "registrable domain of the e-mail address (acme.com)"),
    "website_domain": (TEXT, "registrable domain of the web site"),
    "company_domain": (TEXT, "e-mail domain unless it is free mail, else the web-site domain"),
    "is_free_email": (BOOL, "the e-mail is at a consumer provider (gmail.com, ...)"),
    "territory": (SET, "the territories (from the rules file) the lead falls in"),
}


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field as a rule names it, with the kind its values are compared as."""

    name: str
    kind: str

    @property
    def key(self) -> str:
        """The key of the prepared value in a lead's facts (one per name and kind)."""
        return self.name if self.kind in (TEXT, SET) else f"{self.name}#{self.kind}"


def native_fields() -> dict[str, str]:
    """Native lead field → kind (``attributes`` itself is reached through ``attributes.<key>``)."""
    return {
        spec.name: _KIND_OF_SPEC[spec.kind] for spec in LEADS.fields if spec.kind in _KIND_OF_SPEC
    }


NATIVE_FIELDS = native_fields()


def known_field_names() -> list[str]:
    return sorted([*NATIVE_FIELDS, *DERIVED])


def resolve(name: str, wanted_kind: str | None) -> FieldRef:
    """The field called ``name``; ``wanted_kind`` is the operator's kind for attributes.

    Raises:
        KeyError: with a message naming the unknown field and the closest known one.
    """
    if name.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
        return FieldRef(name, wanted_kind or TEXT)
    if name in NATIVE_FIELDS:
        return FieldRef(name, NATIVE_FIELDS[name])
    if name in DERIVED:
        return FieldRef(name, DERIVED[name][0])
    close = difflib.get_close_matches(name, known_field_names(), n=1)
    hint = f"did you mean {close[0]!r}?" if close else "use attributes.<key> for custom fields"
    raise KeyError(f"unknown field {name!r} ({hint})")


def raw_value(lead: Mapping[str, Any], name: str) -> Any:
    """The lead's value for a native, attribute or derived field (``None`` when missing)."""
    if name.startswith(ATTRIBUTE_PREFIX):
        attributes = lead.get("attributes")
        key = name[len(ATTRIBUTE_PREFIX) :]
        if isinstance(attributes, Mapping) and key in attributes:
            return attributes[key]
        return lead.get(name)
    if name in DERIVED:
        return _derived(lead, name)
    return lead.get(name)


def _derived(lead: Mapping[str, Any], name: str) -> Any:
    mail = email_domain(_text_or_none(lead.get("email")))
    if name == "email_domain":
        return mail
    if name == "is_free_email":
        return is_free_mail(mail)
    site = website_domain(_text_or_none(lead.get("website")))
    if name == "website_domain":
        return site
    if name == "company_domain":
        return site if mail is None or is_free_mail(mail) else mail
    return None  # territory is computed by the router from the rules' territories


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


Reader = Callable[[Mapping[str, Any]], Any]


def reader(name: str, kind: str) -> Reader:
    """A fast ``lead → normalised value`` for one field (native fields skip the generic path)."""
    if name.startswith(ATTRIBUTE_PREFIX) or name in DERIVED:
        return lambda lead: normalise(raw_value(lead, name), kind)
    if kind == TEXT:

        def text(lead: Mapping[str, Any]) -> Any:
            value = lead.get(name)
            if value.__class__ is str:
                value = value.strip()
                return value.casefold() if value else None
            return normalise(value, TEXT)

        return text
    if kind == NUMBER:

        def number(lead: Mapping[str, Any]) -> Any:
            value = lead.get(name)
            return value if value.__class__ in (int, float) else normalise(value, NUMBER)

        return number
    return lambda lead: normalise(lead.get(name), kind)


def normalise(value: Any, kind: str) -> Any:
    """``value`` in the comparable form of ``kind``; ``None`` when blank or not convertible."""
    if value is None:
        return None
    if kind == TEXT:
        text = str(value).strip().casefold()
        return text or None
    if kind == NUMBER:
        return to_number(value)
    if kind == BOOL:
        return to_bool(value)
    if kind == DATETIME:
        return value if isinstance(value, datetime) and value.tzinfo is not None else None
    return value


def to_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    try:
        text = str(value).strip().replace(",", "")
        return float(text) if text else None
    except ValueError:
        return None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "t"):
        return True
    if text in ("false", "no", "n", "0", "f"):
        return False
    return None
