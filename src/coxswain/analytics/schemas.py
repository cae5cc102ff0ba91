"""Report results as plain data, and their JSON form (the ``--json`` contracts).

``coxswain kpis --json`` prints :meth:`KpiReport.contract`: one object keyed by KPI slug,
each ``{"value": number|null, "previous": number|null, "change": number|null,
"unit": ..., "label": ...}`` plus ``"by": {group name: number|null}`` when grouped. Money
is in major units of the reporting currency (rounded to its minor unit), ratios are
fractions 0–1 (six decimals), days and hours have two decimals, multiples (coverage) four,
counts are integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coxswain.analytics.engine.bottlenecks import Finding
from coxswain.analytics.engine.catalog import Unit
from coxswain.analytics.engine.compute import KpiValue
from coxswain.analytics.engine.dimensions import Dimension
from coxswain.analytics.engine.funnel import Funnel
from coxswain.analytics.engine.periods import Period
from coxswain.core.money import minor_exponent


def rounded(unit: Unit, value: float | None, currency: str) -> float | int | None:
    """A value as reports print it (see the module docstring)."""
    if value is None:
        return None
    if unit in (Unit.MONEY, Unit.MONEY_PER_DAY):
        return round(value, minor_exponent(currency))
    if unit is Unit.COUNT:
        return int(value) if float(value).is_integer() else round(value, 2)
    if unit in (Unit.DAYS, Unit.HOURS):
        return round(value, 2)
    if unit is Unit.MULTIPLE:
        return round(value, 4)
    return round(value, 6)


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change ``(current − previous) ÷ |previous|`` (``None`` when undefined)."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


@dataclass(frozen=True, slots=True)
class Meta:
    """What a report covers."""

    period: Period
    previous: Period | None
    as_of: date
    currency: str
    engine: str
    source: str
    by: Dimension | None
    filters: dict[str, tuple[str, ...]]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "previous": None
            if self.previous is None
            else {"from": self.previous.start.isoformat(), "to": self.previous.end.isoformat()},
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "engine": self.engine,
            "source": self.source,
            "by": None if self.by is None else self.by.value,
            "filters": {k: list(v) for k, v in self.filters.items()},
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class KpiReport:
    meta: Meta
    values: list[KpiValue]

    def value(self, slug: str) -> KpiValue:
        return next(v for v in self.values if v.kpi.slug == slug)

    def contract(self) -> dict[str, dict[str, Any]]:
        """The ``coxswain kpis --json`` object (see the module docstring)."""
        out: dict[str, dict[str, Any]] = {}
        currency = self.meta.currency
        for item in self.values:
            unit = item.kpi.unit
            current = item.values[0]
            previous = item.values[1] if len(item.values) > 1 else None
            entry: dict[str, Any] = {
                "value": rounded(unit, current, currency),
                "previous": rounded(unit, previous, currency),
                "change": rounded(Unit.RATIO, change(current, previous), currency),
                "unit": unit.value,
                "label": item.kpi.label,
            }
            if self.meta.by is not None:
                entry["by"] = {g: rounded(unit, v, currency) for g, v in item.by[0].items()}
            if item.note:
                entry["note"] = item.note
            out[item.kpi.slug] = entry
        return out


@dataclass(frozen=True, slots=True)
class FunnelReport:
    meta: Meta
    cohort: str
    funnel: Funnel
    previous: Funnel | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta.to_json(),
            "cohort": self.cohort,
            "funnel": funnel_json(self.funnel, self.meta.currency),
            "previous": None
            if self.previous is None
            else funnel_json(self.previous, self.meta.currency),
        }


def funnel_json(funnel: Funnel, currency: str) -> dict[str, Any]:
    money = minor_exponent(currency)
    return {
        "pipeline": funnel.pipeline,
        "cohort": funnel.cohort.value,
        "group": funnel.group,
        "deals": funnel.deals,
        "won": funnel.won,
        "won_value": round(funnel.won_value, money),
        "lost": funnel.lost,
        "overall_conversion": _r(funnel.overall_conversion, 6),
        "win_rate": _r(funnel.win_rate, 6),
        "stages": [
            {
                "stage": s.stage,
                "position": s.position,
                "reached": s.reached,
                "reached_value": round(s.reached_value, money),
                "open_here": s.open_here,
                "lost_here": s.lost_here,
                "advanced": s.advanced,
                "conversion": _r(s.conversion, 6),
                "drop_off": _r(s.drop_off, 6),
                "days_mean": _r(s.days_mean, 2),
                "days_median": _r(s.days_median, 2),
                "days_p90": _r(s.days_p90, 2),
                "timed_deals": s.timed,
            }
            for s in funnel.stages
        ],
    }


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True)
class BottleneckReport:
    meta: Meta
    findings: list[Finding]

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta.to_json(),
            "findings": [
                {
                    "rank": rank,
                    "kind": f.kind,
                    "scope": f.scope,
                    "subject": f.subject,
                    "stage": f.stage,
                    "score": round(f.score, 3),
                    "headline": f.headline,
                    "evidence": f.evidence,
                    "numbers": {
                        k: _r(v, 6) if isinstance(v, float) else v for k, v in f.numbers.items()
                    },
                }
                for rank, f in enumerate(self.findings, start=1)
            ],
        }


@dataclass(frozen=True, slots=True)
class Series:
    """A labelled series for a trend chart: ``points`` is (label, value) in order."""

    key: str
    label: str
    unit: Unit
    points: list[tuple[str, float | None]]


@dataclass(frozen=True, slots=True)
class Dashboard:
    meta: Meta
    kpis: KpiReport
    by_rep: KpiReport
    trends: list[Series]
    funnel: FunnelReport | None
    bottlenecks: BottleneckReport | None
    sections: list[Any] = field(default_factory=list)
