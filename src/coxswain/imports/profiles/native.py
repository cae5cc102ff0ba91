"""The native profile: headers are Coxswain's own field names (case and spacing ignored)."""

from __future__ import annotations

from coxswain.imports.engine.mapping import Mapping, native_aliases
from coxswain.imports.engine.schema import EntitySpec


def native_profile(spec: EntitySpec) -> Mapping:
    return Mapping(name="native", source="native", aliases=native_aliases(spec))
