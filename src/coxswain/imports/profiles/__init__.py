"""Mapping profiles: how a known export format's headers and values map onto native fields."""

from __future__ import annotations

from collections.abc import Callable

from coxswain.core.errors import MappingError
from coxswain.imports.engine.mapping import Mapping
from coxswain.imports.engine.schema import EntitySpec
from coxswain.imports.profiles.native import native_profile

ProfileFactory = Callable[[EntitySpec], Mapping]

PROFILES: dict[str, ProfileFactory] = {"native": native_profile}


def register(name: str, factory: ProfileFactory) -> None:
    PROFILES[name] = factory


def get_profile(name: str, spec: EntitySpec) -> Mapping:
    _load_builtin()
    factory = PROFILES.get(name)
    if factory is None:
        raise MappingError(
            f"unknown profile {name!r}; expected one of: {', '.join(sorted(PROFILES))}"
        )
    return factory(spec)


def _load_builtin() -> None:
    import importlib

    for module in ("salesforce", "hubspot"):
        try:
            importlib.import_module(f"coxswain.imports.profiles.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"coxswain.imports.profiles.{module}":
                raise
