"""Column mappings: which source column feeds which native field, and how to read its values.

A :class:`Mapping` is built from a *profile* (native, salesforce, hubspot: header aliases) or
from a user's YAML mapping file, then matched against a file's header row. Matching happens
before any row is read, so a missing required column stops the import with nothing written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from coxswain.core.errors import ImportFileError, MappingError
from coxswain.imports.engine.parsing import ParseOptions
from coxswain.imports.engine.schema import EntitySpec

EXTERNAL_SOURCE = "external_source"


def normalize_header(header: str) -> str:
    """``"Close Date "`` → ``"close_date"``; used to compare headers loosely."""
    text = header.replace("\ufeff", "").strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


@dataclass(frozen=True, slots=True)
class ColumnRule:
    """How one native field is filled: from a source column and/or a constant default."""

    field: str
    column: str | None = None
    values: dict[str, str] = dataclasses.field(default_factory=dict)
    format: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A profile or mapping file, not yet matched to a particular file's headers.

    Attributes:
        aliases: normalized header → native field (profiles); exact column names come from
            ``rules`` (YAML mappings).
        rules: explicit rules by field.
        options: value formats shared by every column.
        source: the ``external_source`` stamped on imported records (ids derive from it).
        flags: profile behaviours, e.g. ``create_missing_owners``, ``create_missing_stages``,
            ``create_missing_accounts``, ``synthesize_history``.
        defaults: constant raw values for fields the file lacks (and, for alias columns, for
            the cells a row leaves blank).
        value_maps: per field, source value (case-insensitive) → native value, for alias columns.
        prepare: called by the import service with the session once the header row has been
            matched and before any row is written (a profile seeds what it needs, e.g. its
            pipeline and stages). Typed ``Any`` so the engine stays free of SQLAlchemy.
    """

    name: str
    source: str
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    rules: dict[str, ColumnRule] = dataclasses.field(default_factory=dict)
    options: ParseOptions = dataclasses.field(default_factory=ParseOptions)
    flags: frozenset[str] = frozenset()
    defaults: dict[str, str] = dataclasses.field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    prepare: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class BoundMapping:
    """A mapping matched to a header row: ``rules`` say where each field's value is."""

    mapping: Mapping
    spec: EntitySpec
    headers: list[str]
    rules: dict[str, tuple[int | None, ColumnRule]]
    ignored: list[str]

    @property
    def fields(self) -> list[str]:
        return list(self.rules)


def header_aliases(spec: EntitySpec, columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Profile aliases from ``field → headers``, then the native field names they leave out.

    Order is priority: when a file has several columns for one field, the header listed first
    wins (see :func:`bind`).

    Raises:
        ValueError: one header is given to two fields (a mistake in the profile).
    """
    aliases: dict[str, str] = {}
    for target, headers in columns.items():
        for header in headers:
            key = normalize_header(header)
            if aliases.setdefault(key, target) != target:
                raise ValueError(f"header {header!r} maps to {aliases[key]!r} and {target!r}")
    for key, target in native_aliases(spec).items():
        aliases.setdefault(key, target)
    return aliases


def native_aliases(spec: EntitySpec) -> dict[str, str]:
    aliases = {normalize_header(name): name for name in spec.field_names}
    aliases[EXTERNAL_SOURCE] = EXTERNAL_SOURCE
    return aliases


def bind(mapping: Mapping, spec: EntitySpec, headers: list[str], path: Path) -> BoundMapping:
    """Match ``mapping`` to a file's ``headers``; raise when a required field has no column."""
    known = set(spec.field_names) | {EXTERNAL_SOURCE}
    rules: dict[str, tuple[int | None, ColumnRule]] = {}
    used: set[int] = set()
    by_exact = {h: i for i, h in enumerate(headers)}
    by_norm: dict[str, int] = {}
    for i, h in enumerate(headers):
        by_norm.setdefault(normalize_header(h), i)
    for name, rule in mapping.rules.items():
        index = None
        if rule.column is not None:
            index = by_exact.get(rule.column, by_norm.get(normalize_header(rule.column)))
            if index is None and rule.default is None:
                raise ImportFileError(
                    str(path),
                    f"column {rule.column!r} named in the mapping is not in the file",
                    line=1,
                )
        if index is not None:
            used.add(index)
        rules[name] = (index, rule)
    # Several columns may alias one field (``Account ID`` and ``Account Name``): the alias
    # listed first in the profile wins, whatever the column order in the file.
    rank = {alias: n for n, alias in enumerate(mapping.aliases)}
    best: dict[str, tuple[int, int]] = {}
    for i, header in enumerate(headers):
        alias = normalize_header(header)
        target = mapping.aliases.get(alias)
        if target is None or target in rules or i in used or target not in known:
            continue
        best[target] = min(best.get(target, (rank[alias], i)), (rank[alias], i))
    for target, (_, i) in sorted(best.items(), key=lambda item: item[1][1]):
        values = mapping.value_maps.get(target, {})
        default = mapping.defaults.get(target)
        rules[target] = (
            i,
            ColumnRule(field=target, column=headers[i], values=values, default=default),
        )
        used.add(i)
    for name, value in mapping.defaults.items():
        if name not in rules:
            rules[name] = (None, ColumnRule(field=name, default=value))
    missing = [name for name in spec.required if name not in rules]
    if missing:
        expected = ", ".join(missing)
        raise ImportFileError(
            str(path),
            f"required column missing for {spec.name} ({mapping.name} profile): {expected}"
            f"; the header row has: {', '.join(h for h in headers if h) or '(nothing)'}",
            line=1,
        )
    ignored = [h for i, h in enumerate(headers) if i not in used and h]
    return BoundMapping(mapping, spec, headers, rules, ignored)


class _ColumnModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    values: dict[str, str] = Field(default_factory=dict)
    format: str | None = None
    default: str | None = None


class _MappingModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str | None = None
    source: str = "custom"
    columns: dict[str, str | _ColumnModel]
    defaults: dict[str, str | int | float | bool] = Field(default_factory=dict)
    date_format: str | None = None
    datetime_format: str | None = None
    dayfirst: bool = False
    time_zone: str = "UTC"
    locale: str | None = None
    create_missing: list[str] = Field(default_factory=list)


CREATE_FLAGS = {
    "owners": "create_missing_owners",
    "stages": "create_missing_stages",
    "accounts": "create_missing_accounts",
    "products": "create_missing_products",
}


def load_mapping_file(path: Path, spec: EntitySpec) -> Mapping:
    """Read a YAML mapping file (see docs/import.md); every problem names the file and the key."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path}: mapping file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})".replace("\n", " ")) from exc
    try:
        model = _MappingModel.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MappingError(f"{path}: {where}: {first['msg']}") from None
    if model.entity is not None and model.entity != spec.name:
        raise MappingError(f"{path}: mapping is for {model.entity!r}, not {spec.name!r}")
    known = set(spec.field_names) | {EXTERNAL_SOURCE}
    rules: dict[str, ColumnRule] = {}
    for column, target in model.columns.items():
        column_model = _ColumnModel(field=target) if isinstance(target, str) else target
        if column_model.field not in known:
            raise MappingError(
                f"{path}: columns.{column}: unknown {spec.name} field {column_model.field!r}"
                f" (known: {', '.join(spec.field_names)})"
            )
        rules[column_model.field] = ColumnRule(
            field=column_model.field,
            column=column,
            values=column_model.values,
            format=column_model.format,
            default=column_model.default,
        )
    for name in model.defaults:
        if name not in known:
            raise MappingError(f"{path}: defaults.{name}: unknown {spec.name} field")
    flags = set()
    for item in model.create_missing:
        if item not in CREATE_FLAGS:
            raise MappingError(
                f"{path}: create_missing: {item!r} is not one of {sorted(CREATE_FLAGS)}"
            )
        flags.add(CREATE_FLAGS[item])
    options = ParseOptions(
        date_format=model.date_format,
        datetime_format=model.datetime_format,
        dayfirst=model.dayfirst,
        time_zone=model.time_zone,
        locale=model.locale,
    )
    defaults = {k: _default_text(v) for k, v in model.defaults.items()}
    return Mapping(
        name=f"mapping {path.name}",
        source=model.source,
        rules=rules,
        options=options,
        flags=frozenset(flags),
        defaults=defaults,
    )


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def with_source(mapping: Mapping, source: str | None) -> Mapping:
    return mapping if source is None else replace(mapping, source=source)
