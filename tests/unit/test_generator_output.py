"""Invariants of a generated company, checked on the CSV files as an importer would read them.

Every check re-derives what it needs from the files (all cells read as text) rather than from
the generator's arrays, so a bug in the generator cannot hide behind the same bug in a test.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from coxswain.core.enums import LeadStatus
from coxswain.generator.engine.company import iter_entities
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.writer import FileFormat, write_entities
from coxswain.imports.engine.schema import BUNDLE_ORDER, ENTITIES
from coxswain.opportunities.defaults import DEFAULT_LOST_REASONS, DEFAULT_STAGES

N = 6000
AS_OF = date(2026, 10, 31)
Rows = list[dict[str, str | None]]

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
MONEY_2 = re.compile(r"^(0|[1-9]\d*)\.\d{2}$")
MONEY_0 = re.compile(r"^(0|[1-9]\d*)$")
STAGE_ORDER = [stage[0] for stage in DEFAULT_STAGES]


def _read(path: Path) -> Rows:
    """Every cell as text (None for an empty cell), like the importer's CSV reader."""
    names = pa_csv.read_csv(path, read_options=pa_csv.ReadOptions(skip_rows_after_names=10**9))
    options = pa_csv.ConvertOptions(
        column_types={name: pa.string() for name in names.column_names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    return pa_csv.read_csv(path, convert_options=options).to_pylist()


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rows]:
    out = tmp_path_factory.mktemp("company")
    config = GeneratorConfig(seed=7, opportunities=N, as_of=AS_OF)
    write_entities(iter_entities(config), out, FileFormat.CSV)
    return {name: _read(out / f"{name}.csv") for name in BUNDLE_ORDER}


def _day(text: str | None) -> date:
    assert text is not None
    return date.fromisoformat(text[:10])


def _instant(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def test_every_entity_has_the_native_columns_in_order(tmp_path: Path) -> None:
    write_entities(iter_entities(GeneratorConfig(opportunities=300)), tmp_path, FileFormat.CSV)
    for name, spec in ENTITIES.items():
        header = (tmp_path / f"{name}.csv").read_text().splitlines()[0]
        assert header.replace('"', "").split(",") == list(spec.field_names), name


def test_exact_number_of_opportunities(company: dict[str, Rows]) -> None:
    assert len(company["opportunities"]) == N


def test_every_reference_resolves(company: dict[str, Rows]) -> None:
    keys = {name: {row["external_id"] for row in rows} for name, rows in company.items()
            if "external_id" in ENTITIES[name].field_names}  # fmt: skip
    for name, rows in company.items():
        for spec in ENTITIES[name].fields:
            if spec.kind != "ref":
                continue
            assert spec.ref is not None
            values = {row[spec.name] for row in rows} - {None}
            missing = values - keys[spec.ref]
            assert not missing, f"{name}.{spec.name}: {sorted(missing)[:5]}"


def test_external_ids_and_emails_are_unique(company: dict[str, Rows]) -> None:
    for name, rows in company.items():
        if "external_id" in ENTITIES[name].field_names:
            ids = [row["external_id"] for row in rows]
            assert len(ids) == len(set(ids)), name
    emails = [row["email"] for row in company["users"]]
    assert len(emails) == len(set(emails))


def _currency(row: dict[str, str | None], field: str, deal_currency: dict[str, str]) -> str:
    """The currency of a money cell: its row's, or its opportunity's for stage changes."""
    if "opportunity" in row and "currency" not in row:
        return deal_currency[str(row["opportunity"])]
    return str(row.get("currency") or row.get(f"{field}_currency"))


def test_cells_use_the_native_formats(company: dict[str, Rows]) -> None:
    minor_digits = {"JPY": 0}
    deal_currency = {str(d["external_id"]): str(d["currency"]) for d in company["opportunities"]}
    for name, rows in company.items():
        for spec in ENTITIES[name].fields:
            for row in rows:
                value = row[spec.name]
                if value is None:
                    continue
                if spec.kind == "date":
                    assert DATE.match(value), (name, spec.name, value)
                elif spec.kind == "datetime":
                    assert DATETIME.match(value), (name, spec.name, value)
                elif spec.kind == "bool":
                    assert value in ("true", "false"), (name, spec.name, value)
                elif spec.kind == "enum":
                    assert value in spec.choices, (name, spec.name, value)
                elif spec.kind == "json":
                    assert isinstance(json.loads(value), dict)
                elif spec.kind == "percent":
                    assert 0 <= float(value) <= 100
                elif spec.kind == "money":
                    currency = _currency(row, spec.name, deal_currency)
                    digits = minor_digits.get(currency, 2)
                    assert (MONEY_0 if digits == 0 else MONEY_2).match(value), (name, value)


def test_stage_history_is_consistent(company: dict[str, Rows]) -> None:
    changes: dict[str, Rows] = defaultdict(list)
    for change in company["stage_changes"]:
        changes[str(change["opportunity"])].append(change)
    for deal in company["opportunities"]:
        history = changes[str(deal["external_id"])]
        assert history, deal["external_id"]
        assert history[0]["from_stage"] is None
        times = [_instant(c["changed_at"]) for c in history]
        assert all(a < b for a, b in itertools.pairwise(times))
        for before, after in itertools.pairwise(history):
            assert after["from_stage"] == before["to_stage"]
            assert STAGE_ORDER.index(str(after["to_stage"])) > STAGE_ORDER.index(
                str(before["to_stage"])
            )
        assert history[-1]["to_stage"] == deal["stage"]
        assert {c["changed_by"] for c in history} == {deal["owner"]}
        assert history[-1]["amount"] == deal["amount"]
        assert _day(deal["opened_on"]) == times[0].date()
        assert times[-1].date() <= AS_OF
        if len(history) > 1:
            assert _day(deal["engaged_on"]) == times[1].date()
        closed = deal["stage"] in ("Closed Won", "Closed Lost")
        if closed:
            assert _day(deal["closed_on"]) == times[-1].date()
        else:
            assert deal["closed_on"] is None
        if deal["stage"] == "Closed Won":
            assert float(str(deal["amount"])) > 0
        assert (deal["lost_reason"] in DEFAULT_LOST_REASONS) == (deal["stage"] == "Closed Lost")


def test_lead_steps_are_in_order_and_status_is_the_furthest(company: dict[str, Rows]) -> None:
    steps = [
        "received_at",
        "mql_at",
        "accepted_at",
        "first_touch_at",
        "qualified_at",
        "converted_at",
    ]
    furthest = {"mql_at": "mql", "accepted_at": "accepted", "first_touch_at": "accepted",
                "qualified_at": "qualified", "converted_at": "converted"}  # fmt: skip
    for lead in company["leads"]:
        present = [_instant(lead[s]) for s in steps if lead[s] is not None]
        assert present == sorted(present), lead["external_id"]
        reached = [s for s in steps if lead[s] is not None]
        assert reached == steps[: len(reached)], lead["external_id"]
        assert present[-1].date() <= AS_OF
        if lead["disqualified_at"]:
            assert lead["status"] == LeadStatus.DISQUALIFIED
            assert lead["disqualified_reason"]
        elif lead["recycled_at"]:
            assert lead["status"] == LeadStatus.RECYCLED
        else:
            assert lead["status"] == furthest.get(reached[-1], "new")
        assert (lead["converted_account"] is not None) == (lead["converted_at"] is not None)


def test_converted_leads_open_their_opportunity(company: dict[str, Rows]) -> None:
    leads = {lead["external_id"]: lead for lead in company["leads"]}
    from_leads = [deal for deal in company["opportunities"] if deal["lead"]]
    assert len(from_leads) > 0.1 * N
    for deal in from_leads:
        lead = leads[deal["lead"]]
        assert lead["converted_account"] == deal["account"]
        assert _day(lead["converted_at"]) == _day(deal["opened_on"])
        assert lead["source"] == deal["lead_source"]


def test_line_items_add_up_to_the_amount(company: dict[str, Rows]) -> None:
    totals: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    for item in company["line_items"]:
        net = float(str(item["quantity"])) * float(str(item["unit_price"]))
        totals[str(item["opportunity"])] += net * (1 - float(str(item["discount"])) / 100)
        lines[str(item["opportunity"])] += 1
    for deal in company["opportunities"]:
        key = str(deal["external_id"])
        assert 1 <= lines[key] <= 3
        tolerance = 0.5 * lines[key] * (1 if deal["currency"] == "JPY" else 0.01) + 1e-6
        assert abs(totals[key] - float(str(deal["amount"]))) <= tolerance, key


def test_aggregates_look_like_a_real_sales_team(company: dict[str, Rows]) -> None:
    deals = company["opportunities"]
    stages = Counter(deal["stage"] for deal in deals)
    closed = stages["Closed Won"] + stages["Closed Lost"]
    assert 0.15 <= stages["Closed Won"] / closed <= 0.45
    assert 0.03 <= 1 - closed / N <= 0.3  # an open pipeline exists
    assert 3.5 <= len(company["stage_changes"]) / N <= 5.5
    reps = [user for user in company["users"] if user["role"] == "rep"]
    assert len(reps) >= 36
    assert len({deal["currency"] for deal in deals}) >= 4
    assert {deal["type"] for deal in deals} == {"new_business", "renewal", "upsell"}
    leads = company["leads"]
    mql = sum(lead["mql_at"] is not None for lead in leads) / len(leads)
    assert 0.5 <= mql <= 0.8
    converted = sum(lead["converted_at"] is not None for lead in leads) / len(leads)
    assert 0.05 <= converted <= 0.15
    accounts = company["accounts"]
    assert len(accounts) >= N // 4
    segments = Counter(a["segment"] for a in accounts)
    assert segments["smb"] > segments["mid_market"] > segments["enterprise"] > 0


def test_amounts_grow_with_segment(company: dict[str, Rows]) -> None:
    segment = {a["external_id"]: a["segment"] for a in company["accounts"]}
    amounts: dict[str, list[float]] = defaultdict(list)
    for deal in company["opportunities"]:
        if deal["currency"] == "USD" and deal["type"] == "new_business":
            amounts[str(segment[deal["account"]])].append(float(str(deal["amount"])))
    assert 5_000 <= median(amounts["smb"]) <= 20_000
    assert 20_000 <= median(amounts["mid_market"]) <= 80_000
    assert 80_000 <= median(amounts["enterprise"]) <= 500_000


def test_exchange_rates_cover_every_month(company: dict[str, Rows]) -> None:
    months: dict[str, set[str]] = defaultdict(set)
    for rate in company["exchange_rates"]:
        assert rate["quote_currency"] == "USD"
        assert str(rate["effective_on"]).endswith("-01")
        months[str(rate["currency"])].add(str(rate["effective_on"]))
    used = {deal["currency"] for deal in company["opportunities"]} - {"USD"}
    assert used <= set(months)
    first = min(_day(deal["opened_on"]) for deal in company["opportunities"])
    for currency in used:
        assert min(months[currency]) <= first.replace(day=1).isoformat()
        assert max(months[currency]) == AS_OF.replace(day=1).isoformat()


def test_activities_happen_in_working_hours(company: dict[str, Rows]) -> None:
    users = {u["external_id"]: u for u in company["users"]}
    inside = 0
    for activity in company["activities"]:
        owner = users[activity["owner"]]
        local = _instant(activity["occurred_at"]).astimezone(ZoneInfo(str(owner["time_zone"])))
        hours = json.loads(str(owner["working_hours"]))
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
        clock = local.strftime("%H:%M")
        inside += any(start <= clock < end for start, end in hours.get(day, []))
        assert _day(activity["occurred_at"]) <= AS_OF
    assert inside / len(company["activities"]) >= 0.95


def test_reps_who_rush_discovery_win_less(company: dict[str, Rows]) -> None:
    """The planted bottleneck: short Discovery stages go with lower win rates."""
    spent: dict[str, list[float]] = defaultdict(list)
    history: dict[str, Rows] = defaultdict(list)
    for change in company["stage_changes"]:
        history[str(change["opportunity"])].append(change)
    for changes in history.values():
        for before, after in itertools.pairwise(changes):
            if before["to_stage"] == "Discovery":
                days = (_instant(after["changed_at"]) - _instant(before["changed_at"])).days
                spent[str(before["changed_by"])].append(days)
    won: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for deal in company["opportunities"]:
        if deal["stage"] in ("Closed Won", "Closed Lost") and deal["type"] == "new_business":
            closed[str(deal["owner"])] += 1
            won[str(deal["owner"])] += deal["stage"] == "Closed Won"
    reps = sorted((r for r in spent if closed[r] >= 20), key=lambda r: median(spent[r]))
    fastest = reps[: max(2, len(reps) // 10)]
    rate = lambda group: sum(won[r] for r in group) / sum(closed[r] for r in group)  # noqa: E731
    assert rate(fastest) < rate(reps) * 0.85
