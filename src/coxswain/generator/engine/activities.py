"""Activities: calls, e-mails, meetings and tasks, in their owners' working hours.

75 % belong to an opportunity (drawn in proportion to its number of stage changes, so long
deals get more touches), logged by its owner with a contact of its account, between its
opening and its close (or ``as_of``); 20 % to a lead past MQL, logged by its SDR during the
lead's active life; 5 % to an account only, by the account's owner. Each happens on a
weekday, at a local time inside the owner's working hours, converted to UTC; the rare one
whose window is shorter than a working day is clamped into its window instead. Activities are
numbered in time order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.accounts import Accounts, id_width
from coxswain.generator.engine.columns import Bools, DateTimes, Entity, Ids, Ints, codes, entity
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.deal_paths import OPEN_STAGES
from coxswain.generator.engine.formatting import MINUTES_PER_DAY
from coxswain.generator.engine.leads import Leads
from coxswain.generator.engine.opportunities import OPPORTUNITY_PREFIX, Deals
from coxswain.generator.engine.org import Reps
from coxswain.generator.engine.timeline import OffsetTable, weekday

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ACTIVITY_PREFIX, CONTACT_PREFIX = "ACT", "C"
TYPES: tuple[str, ...] = ("call", "email", "meeting", "task")
SUBJECTS: tuple[tuple[str, ...], ...] = (
    ("Intro call", "Discovery call", "Follow-up call", "Pricing call", "Check-in call"),
    ("Intro e-mail", "Follow-up", "Sent proposal", "Shared case study", "Meeting recap"),
    ("Product demo", "Discovery meeting", "Executive briefing", "Technical deep dive",
     "Negotiation meeting"),
    ("Update opportunity", "Prepare proposal", "Send contract", "Research account", "Log notes"),
)  # fmt: skip
# Activity type mix (call, email, meeting, task) by link: deal, lead, account only.
TYPE_MIX = np.array([[0.3, 0.35, 0.25, 0.1], [0.45, 0.45, 0.0, 0.1], [0.3, 0.4, 0.2, 0.1]])
LINK_SHARE = np.array([0.75, 0.2, 0.05])  # deal, lead, account only


@dataclass(frozen=True)
class Links:
    """Who and what each activity is about, and the UTC window it falls in."""

    owner: IntArray
    deal: IntArray  # -1 when none
    lead: IntArray
    account: IntArray
    contact: IntArray
    start: IntArray
    end: IntArray
    link: IntArray  # 0 deal, 1 lead, 2 account only

    @staticmethod
    def concat(parts: list[Links]) -> Links:
        return Links(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Links)))

    def take(self, order: IntArray) -> Links:
        return Links(*(getattr(self, f.name)[order] for f in fields(Links)))


def _contacts(rng: np.random.Generator, accounts: Accounts, account: IntArray) -> IntArray:
    """A random contact of each account (contacts are numbered account by account)."""
    pick = (rng.random(len(account)) * accounts.contact_count[account]).astype(np.int64)
    return accounts.contact_start[account] + pick


def _deal_links(
    rng: np.random.Generator, n: int, deals: Deals, accounts: Accounts, cutoff: int
) -> Links:
    paths = deals.paths
    weights = paths.changes / paths.changes.sum()
    deal = np.sort(rng.choice(len(deals), n, p=weights))
    last = paths.time[deal, paths.changes[deal] - 1]
    end = np.where(paths.current[deal] >= OPEN_STAGES, last, cutoff)
    account = deals.seeds.account[deal]
    none = np.full(n, -1)
    contact = _contacts(rng, accounts, account)
    owner = deals.seeds.owner[deal]
    start = paths.time[deal, 0]
    return Links(owner, deal, none, account, contact, start, end, np.zeros(n, dtype=np.int64))


def _lead_links(rng: np.random.Generator, n: int, leads: Leads) -> Links:
    worked = np.flatnonzero(leads.last_step > leads.received)
    lead = rng.choice(worked, n) if len(worked) else np.zeros(0, dtype=np.int64)
    n = len(lead)
    none = np.full(n, -1)
    end = leads.last_step[lead] + MINUTES_PER_DAY
    received = leads.received[lead]
    return Links(leads.sdr[lead], none, lead, none, none, received, end, np.ones(n, dtype=np.int64))


def _account_links(
    rng: np.random.Generator, n: int, config: GeneratorConfig, accounts: Accounts, reps: Reps
) -> Links:
    account = rng.integers(0, len(accounts), n)
    owner = accounts.owner[account]
    first = np.maximum(config.first_day, reps.hire_day[owner]) * MINUTES_PER_DAY
    none = np.full(n, -1)
    cutoff = (config.last_day + 1) * MINUTES_PER_DAY
    link = np.full(n, 2)
    return Links(owner, none, none, account, none, first, np.full(n, cutoff), link)


def _when(
    rng: np.random.Generator, links: Links, reps: Reps, offsets: OffsetTable, cutoff: int
) -> IntArray:
    """A weekday, working-hours time (UTC) in each window, clamped into short windows."""
    n = len(links.owner)
    employed_until = (reps.leave_day[links.owner] + 1) * MINUTES_PER_DAY
    end = np.minimum(np.minimum(links.end, cutoff), employed_until)
    begin = np.maximum(links.start, reps.hire_day[links.owner] * MINUTES_PER_DAY)
    begin = np.minimum(begin, end - 1)
    span = np.maximum(end - begin, 1)
    raw_day = (begin + (rng.random(n) * span).astype(np.int64)) // MINUTES_PER_DAY
    day = raw_day - np.where(weekday(raw_day) == 5, 1, np.where(weekday(raw_day) == 6, 2, 0))
    start, finish = reps.work_start[links.owner], reps.work_end[links.owner]
    local = day * MINUTES_PER_DAY + start + (rng.random(n) * (finish - start - 15)).astype(np.int64)
    utc = offsets.to_utc(reps.zone[links.owner], local)
    return np.clip(utc, begin, end - 1)


def _entity(rng: np.random.Generator, links: Links, when: IntArray, deals: Deals,
            leads: Leads, accounts: Accounts, reps: Reps) -> Entity:  # fmt: skip
    """Types (by link mix), subjects, durations (calls ~12 min, e-mails 5, meetings 30-90,
    tasks 15-60) and completion (15 % of tasks still open)."""
    n = len(when)
    cumulative = TYPE_MIX.cumsum(axis=1)[links.link]
    kind = (rng.random(n)[:, None] > cumulative[:, :-1]).sum(axis=1)
    subject = kind * 5 + rng.integers(0, 5, n)
    call = np.clip(np.round(rng.lognormal(np.log(12), 0.6, n)), 1, 90)
    meeting = rng.choice([30, 45, 60, 90], n, p=[0.35, 0.2, 0.35, 0.1])
    task = rng.integers(15, 61, n)
    duration = np.choose(kind, [call, np.full(n, 5), meeting, task]).astype(np.int64)
    completed = ~((kind == 3) & (rng.random(n) < 0.15))
    contact_width = id_width(int(accounts.contact_count.sum()), 7)
    return entity(
        "activities",
        n,
        external_id=Ids(ACTIVITY_PREFIX, id_width(n, 7), np.arange(1, n + 1)),
        type=codes(TYPES, kind),
        subject=codes([s for group in SUBJECTS for s in group], subject),
        occurred_at=DateTimes(when),
        duration_minutes=Ints(duration),
        completed=Bools(completed),
        owner=reps.ids(links.owner),
        lead=leads.ids(np.maximum(links.lead, 0), links.lead >= 0),
        contact=Ids(CONTACT_PREFIX, contact_width, links.contact + 1, links.contact >= 0),
        account=accounts.ids(np.maximum(links.account, 0), links.account >= 0),
        opportunity=Ids(OPPORTUNITY_PREFIX, deals.width, links.deal + 1, links.deal >= 0),
    )


def build_activities(
    config: GeneratorConfig, deals: Deals, leads: Leads, accounts: Accounts, reps: Reps,
    offsets: OffsetTable,
) -> Entity:  # fmt: skip
    """``config.activities`` activities in time order."""
    rng = config.rng("activities")
    cutoff = (config.last_day + 1) * MINUTES_PER_DAY
    counts = rng.multinomial(config.activities, LINK_SHARE)
    links = Links.concat([
        _deal_links(rng, int(counts[0]), deals, accounts, cutoff),
        _lead_links(rng, int(counts[1]), leads),
        _account_links(rng, int(counts[2]), config, accounts, reps),
    ])  # fmt: skip
    when = _when(rng, links, reps, offsets, cutoff)
    order = np.argsort(when, kind="stable")
    return _entity(rng, links.take(order), when[order], deals, leads, accounts, reps)
