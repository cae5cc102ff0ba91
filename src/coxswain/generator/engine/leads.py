"""Leads: who they are (people at accounts), where they came from, and how far they got.

Each lead is a person at one of the accounts (so company, web site, industry, head count and
location agree with it). Receipt days follow the company's growth trend (+35 % a year), the
month seasonality and a weekday pattern; 75 % arrive during local business hours of the
lead's country. Sources carry landing pages, quarterly campaigns and UTM attributes. The owner
is the account's AE when employed that day (else another AE of the cell); the SDR is one of the
region's SDRs. Leads still ``new`` in the last three days are not routed yet (no owner). See
:mod:`.lead_funnel` for the lifecycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.accounts import Accounts, id_width, postal_code
from coxswain.generator.engine.columns import (
    Column,
    DateTimes,
    Entity,
    Ids,
    Ints,
    codes,
    entity,
)
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.geography import CITIES, COUNTRIES, TIME_ZONES
from coxswain.generator.engine.lead_funnel import (
    NOT_YET,
    STATUSES,
    Funnel,
    latest,
    simulate_funnel,
)
from coxswain.generator.engine.org import SEGMENTS, Reps
from coxswain.generator.engine.people import draw_people
from coxswain.generator.engine.timeline import (
    OffsetTable,
    WorkClock,
    month_of,
    sample_days,
    working_time_of_day,
)
from coxswain.generator.engine.vocabulary import DISQUALIFIED_REASONS, INDUSTRIES

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEAD_PREFIX = "L"
SOURCES: tuple[str, ...] = (
    "web", "paid_search", "organic_search", "referral", "event", "partner", "outbound", "email",
)  # fmt: skip
SOURCE_SHARE = np.array([0.2, 0.15, 0.14, 0.08, 0.1, 0.07, 0.16, 0.1])
SOURCE_QUALITY = np.array([0.1, -0.25, 0.0, 0.6, 0.2, 0.45, -0.35, -0.1])
LANDING_PAGES: tuple[tuple[str, ...], ...] = (
    ("/demo", "/pricing", "/contact-sales", "/product/forecasting", "/product/routing"),
    ("/lp/sales-ops-platform", "/lp/forecasting-software", "/lp/revops-analytics"),
    ("/blog/sales-forecasting-guide", "/blog/lead-routing-best-practices", "/pricing"),
    (),
    ("/events/revops-summit", "/events/saas-connect"),
    (),
    (),
    ("/webinars/pipeline-reviews", "/resources/benchmark-report"),
)
CAMPAIGNS: tuple[tuple[str, ...], ...] = (
    (), ("Search - Brand", "Search - Category", "Search - Competitors"), (), (),
    ("Field Events",), ("Partner Co-marketing",), ("Outbound Sequence",), ("Nurture", "Newsletter"),
)  # fmt: skip
# Tracking attributes by source (JSON); sources without tracking have none.
UTM: tuple[dict[str, str] | None, ...] = (
    {"utm_source": "website", "utm_medium": "direct"},
    {"utm_source": "google", "utm_medium": "cpc"},
    {"utm_source": "google", "utm_medium": "organic"},
    None,
    {"utm_source": "event", "utm_medium": "booth"},
    None,
    None,
    {"utm_source": "newsletter", "utm_medium": "email"},
)
TRACKING_JSON = [json.dumps(utm, separators=(",", ":")) for utm in UTM if utm is not None]
TRACKING_CODE = np.cumsum([utm is not None for utm in UTM]) - 1  # vocabulary index by source
TRACKING_CODE[[utm is None for utm in UTM]] = -1
UNROUTED_DAYS = 3


@dataclass(frozen=True)
class Leads:
    """What later phases need to know about the leads (indexed ``0..n-1``)."""

    width: int
    account: IntArray
    source: IntArray
    owner: IntArray
    sdr: IntArray
    received: IntArray  # UTC minutes
    last_step: IntArray  # UTC minutes of the last thing that happened to the lead
    converted: IntArray  # UTC minutes, NOT_YET when not converted
    entity: Entity

    def ids(self, index: IntArray, valid: BoolArray | None = None) -> Ids:
        return Ids(LEAD_PREFIX, self.width, index + 1, valid)


def _received(
    rng: np.random.Generator, config: GeneratorConfig, zone: IntArray, offsets: OffsetTable
) -> IntArray:
    """Receipt times (UTC minutes): trend and seasonality by day, mostly business hours."""
    n = len(zone)
    day = sample_days(rng, n, config.first_day, config.last_day)
    business = working_time_of_day(rng, n)
    local_minute = np.where(rng.random(n) < 0.75, business, rng.integers(0, MINUTES_PER_DAY, n))
    utc = offsets.to_utc(zone, day * MINUTES_PER_DAY + local_minute)
    last = (config.last_day + 1) * MINUTES_PER_DAY - 1
    return np.clip(utc, config.first_day * MINUTES_PER_DAY, last)


def _pick_within(
    rng: np.random.Generator, groups: tuple[tuple[str, ...], ...], group: IntArray
) -> tuple[list[str], IntArray]:
    """Flatten ``groups`` and pick a uniform member of each row's group (-1 if it is empty)."""
    flat = [item for members in groups for item in members]
    sizes = np.array([len(members) for members in groups])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pick = starts[group] + (rng.random(len(group)) * sizes[group]).astype(np.int64)
    return flat, np.where(sizes[group] > 0, pick, -1)


def _marketing(
    rng: np.random.Generator, config: GeneratorConfig, source: IntArray, received: IntArray
) -> dict[str, Column]:
    """Landing page, quarterly campaign and UTM attributes of each lead's source."""
    pages, page = _pick_within(rng, LANDING_PAGES, source)
    labels, label = _pick_within(rng, CAMPAIGNS, source)
    first_quarter = config.first_month // 3
    quarters = range(first_quarter, config.last_month // 3 + 1)
    names = [f"{1970 + q // 4} Q{q % 4 + 1} {text}" for q in quarters for text in labels]
    quarter = month_of(received // MINUTES_PER_DAY) // 3
    campaign = np.where(label >= 0, (quarter - first_quarter) * len(labels) + label, -1)
    return {
        "source": codes(SOURCES, source),
        "landing_page": codes(pages, page),
        "campaign": codes(names, campaign),
        "attributes": codes(TRACKING_JSON, TRACKING_CODE[source]),
    }


def _company(rng: np.random.Generator, accounts: Accounts, account: IntArray) -> dict[str, Column]:
    """The lead as a person at ``account``, with the account's company details."""
    country = accounts.country[account]
    domain = accounts.domain(account)
    people = draw_people(rng, country, domain, known=0.6)
    return {
        "first_name": people.first_name,
        "last_name": people.last_name,
        "email": people.email,
        "phone": people.phone,
        "title": people.title,
        "company": accounts.name(account),
        "website": accounts.website(account),
        "industry": codes([name for name, _ in INDUSTRIES], accounts.industry[account]),
        "employees": Ints(accounts.employees[account]),
        "country": codes([c.name for c in COUNTRIES], country),
        "state": codes([c.state for c in CITIES.cities], accounts.city[account]),
        "city": codes([c.name for c in CITIES.cities], accounts.city[account]),
        "postal_code": postal_code(rng, accounts.city[account], share=0.75),
        "segment": codes(SEGMENTS, accounts.segment[account]),
        "size_segment": codes(SEGMENTS, accounts.segment[account]),
    }


def _lifecycle(rng: np.random.Generator, funnel: Funnel) -> dict[str, Column]:
    """Status, step timestamps and the reason of disqualified leads."""
    columns: dict[str, Column] = {"status": codes(STATUSES, funnel.status)}
    for step, minutes in funnel.times.items():
        columns[f"{step}_at"] = DateTimes(minutes, minutes != NOT_YET)
    columns["disqualified_at"] = DateTimes(funnel.disqualified, funnel.disqualified != NOT_YET)
    columns["recycled_at"] = DateTimes(funnel.recycled, funnel.recycled != NOT_YET)
    n = len(funnel.status)
    reason = rng.integers(0, len(DISQUALIFIED_REASONS), n)
    columns["disqualified_reason"] = codes(
        DISQUALIFIED_REASONS, np.where(funnel.disqualified != NOT_YET, reason, -1)
    )
    return columns


def _owners(
    rng: np.random.Generator, accounts: Accounts, reps: Reps, account: IntArray, day: IntArray
) -> IntArray:
    """The account's AE when employed on ``day``, else another AE of the same cell."""
    owner = accounts.owner[account].copy()
    busy = np.flatnonzero(~reps.employed(owner, day))
    cell = accounts.region * 3 + accounts.segment
    owner[busy] = reps.pick_ae(rng, cell[account[busy]], day[busy])
    return owner


def build_leads(
    config: GeneratorConfig, accounts: Accounts, reps: Reps, offsets: OffsetTable
) -> Leads:
    """Draw ``config.leads`` leads and run them through the funnel up to ``as_of``."""
    rng = config.rng("leads")
    n = config.leads
    account = rng.integers(0, len(accounts), n)
    zone = np.array([TIME_ZONES.index(c.time_zone) for c in COUNTRIES])[accounts.country[account]]
    received = _received(rng, config, zone, offsets)
    day = received // MINUTES_PER_DAY
    source = rng.choice(len(SOURCES), n, p=SOURCE_SHARE)
    quality = rng.standard_normal(n) + SOURCE_QUALITY[source]
    sdr = reps.pick_sdr(rng, accounts.region[account], day)
    clock = WorkClock(offsets, reps.zone[sdr], reps.work_start[sdr], reps.work_end[sdr])
    funnel = simulate_funnel(rng, received, quality, clock, (config.last_day + 1) * MINUTES_PER_DAY)
    owner = _owners(rng, accounts, reps, account, day)
    routed = ~((funnel.status == 0) & (day > config.last_day - UNROUTED_DAYS))
    score = np.clip(np.round(50 + 16 * quality + 6 * rng.standard_normal(n)), 0, 100)
    width = id_width(n, 7)
    lead_entity = entity(
        "leads",
        n,
        external_id=Ids(LEAD_PREFIX, width, np.arange(1, n + 1)),
        score=Ints(score.astype(np.int64)),
        owner=reps.ids(owner, routed),
        sdr=reps.ids(sdr, funnel.status > 0),
        converted_account=accounts.ids(account, funnel.happened("converted")),
        **_company(rng, accounts, account),
        **_marketing(rng, config, source, received),
        **_lifecycle(rng, funnel),
    )
    last_step = latest([*funnel.times.values(), funnel.disqualified, funnel.recycled])
    converted = funnel.times["converted"]
    return Leads(width, account, source, owner, sdr, received, last_step, converted, lead_entity)
