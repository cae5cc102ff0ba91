"""The rules document (YAML or JSON) as Pydantic models: structure only, extra keys forbidden.

Cross-references (a rule's pool exists, no fallback cycles, reachable rules ...) are checked
by :mod:`coxswain.routing.engine.compiler`; the format is described in ``docs/routing.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coxswain.sla.engine.spec import SlaSpec

Method = Literal[
    "round_robin", "weighted_round_robin", "load_balanced", "account_owner", "territory_owner"
]
DuplicateKey = Literal["email", "phone", "name_and_company"]
DEFAULT_DUPLICATE_KEYS: tuple[DuplicateKey, ...] = ("email",)
MEMBER_METHODS = frozenset({"round_robin", "weighted_round_robin", "load_balanced"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberSpec(_Strict):
    """A rep in a pool. A bare e-mail in the list is shorthand for ``{rep: <e-mail>}``."""

    rep: str = Field(min_length=3, max_length=320)
    weight: int = Field(default=1, ge=1, le=1000)
    skills: list[str] = Field(default_factory=list)
    cap_per_day: int | None = Field(default=None, ge=0)
    cap_per_week: int | None = Field(default=None, ge=0)


class PoolSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    method: Method = "round_robin"
    members: list[MemberSpec] = Field(default_factory=list)
    fallback: str | None = None
    working_hours_only: bool = False
    segment_match: bool = False
    required_skills: list[str] = Field(default_factory=list)
    skill_field: str | None = None

    @field_validator("members", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"rep": item} if isinstance(item, str) else item for item in value]
        return value


class TerritorySpec(_Strict):
    """A named area: a lead is inside when every listed dimension matches."""

    name: str = Field(min_length=1, max_length=200)
    owner: str | None = None
    countries: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    postal_codes: list[str] = Field(default_factory=list)


class RuleSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    enabled: bool = True
    when: dict[str, Any] | None = None
    pool: str | None = None
    queue: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RuleSpec:
        if (self.pool is None) == (self.queue is None):
            raise ValueError("give exactly one of 'pool' or 'queue'")
        return self


class AccountMatchSpec(_Strict):
    enabled: bool = True
    route_to_owner: bool = True
    when_owner_unavailable: Literal["rules", "queue"] = "rules"
    name_threshold: int = Field(default=90, ge=50, le=100)


class DuplicatesSpec(_Strict):
    enabled: bool = True
    action: Literal["link", "merge"] = "link"
    match_on: list[DuplicateKey] = Field(default_factory=lambda: list(DEFAULT_DUPLICATE_KEYS))
    route_to_existing_owner: bool = True


class RulesDocument(_Strict):
    version: Literal[1] = 1
    name: str = Field(default="routing", min_length=1, max_length=200)
    description: str | None = None
    fallback_queue: str = Field(min_length=1, max_length=200)
    queues: list[str] = Field(default_factory=list)
    account_match: AccountMatchSpec = Field(default_factory=AccountMatchSpec)
    duplicates: DuplicatesSpec = Field(default_factory=DuplicatesSpec)
    territories: list[TerritorySpec] = Field(default_factory=list)
    pools: list[PoolSpec] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(min_length=1)
    sla: SlaSpec | None = None
