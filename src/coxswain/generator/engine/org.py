"""The sales organisation: a team tree (company → region → segment teams), leaders and reps.

Reps are split by region share (with a floor so every region is staffed), then within a region
into SDRs (~20 %) and AEs spread over the three segments (40/35/25 %). Each (region, segment)
cell becomes one team, or several "pods" of at most 10 people, each with a manager reporting to
the regional VP. Every AE cell and every region's SDR pool has a *veteran*: hired before the
history starts and still active, so there is always someone to own a record on any day.

Rep traits drive the opportunity simulation: ``win_skill`` (an exponent on stage advance
probabilities, > 1 is better), ``cycle_factor`` (a multiplier on stage durations) and
``rushes_discovery`` (a few AEs who spend little time in Discovery and then lose more often
at Proposal and Negotiation, a bottleneck the analytics should find).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coxswain.generator.engine.columns import Ids
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.geography import REGIONS, TIME_ZONES

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SEGMENTS: tuple[str, ...] = ("smb", "mid_market", "enterprise")
SEGMENT_LABELS: tuple[str, ...] = ("SMB", "Mid-Market", "Enterprise")
AE_SEGMENT_SHARE = np.array([0.4, 0.35, 0.25])
SDR_SHARE = 0.2
POD_SIZE = 10
USER_PREFIX, USER_WIDTH = "U", 5
NEVER = 10**7  # a leave day far in the future: the rep is still employed

# Working-hour patterns (local time, Monday-Friday): start and end minute, probability.
WORK_PATTERNS: tuple[tuple[int, int, float], ...] = (
    (9 * 60, 17 * 60, 0.6),
    (8 * 60, 16 * 60, 0.15),
    (8 * 60 + 30, 17 * 60 + 30, 0.15),
    (10 * 60, 18 * 60, 0.1),
)


def working_hours_json(start: int, end: int) -> str:
    """The ``users.working_hours`` JSON for one Monday-Friday window, e.g. 09:00-17:00."""
    window = [[f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]]
    return json.dumps({day: window for day in ("mon", "tue", "wed", "thu", "fri")})


@dataclass(frozen=True)
class Reps:
    """Quota-carrying reps, indexed ``0..n-1``. Days are days since the epoch."""

    user_number: IntArray  # the number in the rep's user external id (U00042 → 42)
    team: IntArray  # index into the team list
    region: IntArray
    segment: IntArray
    is_sdr: BoolArray
    zone: IntArray  # index into TIME_ZONES
    work_start: IntArray  # local minute of day
    work_end: IntArray
    hire_day: IntArray
    leave_day: IntArray  # NEVER for active reps
    out_of_office: BoolArray
    win_skill: FloatArray
    cycle_factor: FloatArray
    rushes_discovery: BoolArray

    def __len__(self) -> int:
        return len(self.user_number)

    def ids(self, rep: IntArray, valid: BoolArray | None = None) -> Ids:
        """The users' external ids (``U00042``) of the given reps."""
        return Ids(USER_PREFIX, USER_WIDTH, self.user_number[rep], valid)

    def employed(self, rep: IntArray, days: IntArray) -> BoolArray:
        return (self.hire_day[rep] <= days) & (days <= self.leave_day[rep])

    def pick_ae(self, rng: np.random.Generator, cell: IntArray, days: IntArray) -> IntArray:
        """An AE of each (region * 3 + segment) cell employed on each day."""
        return self._pick(rng, ~self.is_sdr, self.region * 3 + self.segment, cell, days)

    def pick_sdr(self, rng: np.random.Generator, region: IntArray, days: IntArray) -> IntArray:
        """An SDR of each region employed on each day."""
        return self._pick(rng, self.is_sdr, self.region, region, days)

    def _pick(
        self, rng: np.random.Generator, eligible: BoolArray, key: IntArray, wanted: IntArray,
        days: IntArray,
    ) -> IntArray:  # fmt: skip
        """Uniform choice among eligible reps with ``key == wanted`` who are employed that day.

        Rejection sampling: redraw the unemployed picks a few times, then fall back to the
        key's veteran (the first member, always employed).
        """
        members = np.flatnonzero(eligible)
        members = members[np.argsort(key[members], kind="stable")]
        n_keys = int(key.max()) + 1
        counts = np.bincount(key[members], minlength=n_keys)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        choice = members[starts[wanted] + (rng.random(len(wanted)) * counts[wanted]).astype(int)]
        for _ in range(10):
            bad = np.flatnonzero(~self.employed(choice, days))
            if len(bad) == 0:
                break
            draw = (rng.random(len(bad)) * counts[wanted[bad]]).astype(int)
            choice[bad] = members[starts[wanted[bad]] + draw]
        unemployed = ~self.employed(choice, days)
        choice[unemployed] = members[starts[wanted[unemployed]]]
        return np.asarray(choice, dtype=np.int64)


def allocate(total: int, shares: FloatArray, minimum: int) -> IntArray:
    """Split ``total`` into parts proportional to ``shares`` (largest remainder), each part at
    least ``minimum`` (the total grows if the floors need it)."""
    total = max(total, minimum * len(shares))
    spare = total - minimum * len(shares)
    exact = spare * shares / shares.sum()
    parts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - parts), kind="stable")
    parts[order[: spare - int(parts.sum())]] += 1
    return np.asarray(parts + minimum, dtype=np.int64)


@dataclass(frozen=True)
class Team:
    name: str
    parent: int | None  # index of the parent team
    region: int | None
    segment: int | None


@dataclass(frozen=True)
class Layout:
    """Where every rep sits: their region, segment, SDR flag and team, plus the team list."""

    teams: tuple[Team, ...]
    region: IntArray
    segment: IntArray
    is_sdr: BoolArray
    team: IntArray


def _cell_members(n_ae: IntArray, n_sdr: int) -> tuple[list[int], list[bool]]:
    """Segments and SDR flags of one region's reps: AEs by segment, then SDRs spread over the
    segments starting with SMB."""
    segments = [seg for seg, count in enumerate(n_ae) for _ in range(count)]
    segments += [k % 3 for k in range(n_sdr)]
    return segments, [False] * int(n_ae.sum()) + [True] * n_sdr


def layout_reps(n_reps: int) -> Layout:
    """Place ``n_reps`` reps into regions, segments and teams (deterministic, no randomness)."""
    teams = [Team("Global Sales", None, None, None)]
    teams += [Team(r.name, 0, i, None) for i, r in enumerate(REGIONS)]
    region_sizes = allocate(n_reps, np.array([r.share for r in REGIONS]), 5)
    region: list[int] = []
    segment: list[int] = []
    is_sdr: list[bool] = []
    team: list[int] = []
    for r, size in enumerate(region_sizes):
        n_sdr = max(1, round(SDR_SHARE * size))
        segs, sdrs = _cell_members(allocate(int(size) - n_sdr, AE_SEGMENT_SHARE, 1), n_sdr)
        for seg in range(3):
            idx = [k for k, s in enumerate(segs) if s == seg]
            pods = -(-len(idx) // POD_SIZE)
            for pod in range(pods):
                suffix = f" {pod + 1}" if pods > 1 else ""
                teams.append(
                    Team(f"{REGIONS[r].name} {SEGMENT_LABELS[seg]}{suffix}", 1 + r, r, seg)
                )
                for k in idx[pod::pods]:
                    region.append(r)
                    segment.append(seg)
                    is_sdr.append(sdrs[k])
                    team.append(len(teams) - 1)
    return Layout(
        tuple(teams), np.array(region), np.array(segment), np.array(is_sdr), np.array(team)
    )


def _veterans(layout: Layout) -> BoolArray:
    """The first AE of each cell and the first SDR of each region."""
    key = np.where(layout.is_sdr, 100 + layout.region, layout.region * 3 + layout.segment)
    _, first = np.unique(key, return_index=True)
    veteran = np.zeros(len(key), dtype=bool)
    veteran[first] = True
    return veteran


def _zones(rng: np.random.Generator, region: IntArray) -> IntArray:
    """A time zone of each rep's region, by the region's weights."""
    zone = np.empty(len(region), dtype=np.int64)
    offset = 0
    for r, reg in enumerate(REGIONS):
        weights = np.array([w for _, w in reg.time_zones])
        members = np.flatnonzero(region == r)
        zone[members] = offset + rng.choice(len(weights), len(members), p=weights / weights.sum())
        offset += len(weights)
    return zone


def _tenure(
    rng: np.random.Generator, config: GeneratorConfig, veteran: BoolArray
) -> tuple[IntArray, IntArray]:
    """Hire and leave days: veterans predate the history; ~15 % are recent hires (ramping);
    ~5 % of the others have left in the last year."""
    n = len(veteran)
    last = config.last_day
    hire = last - (rng.random(n) ** 1.4 * 6 * 365).astype(np.int64) - 30
    recent = rng.random(n) < 0.15
    hire[recent] = last - rng.integers(20, 270, int(recent.sum()))
    hire[veteran] = config.first_day - rng.integers(200, 1500, int(veteran.sum()))
    leave = np.full(n, NEVER, dtype=np.int64)
    gone = (rng.random(n) < 0.05) & ~veteran & ~recent
    leave[gone] = last - rng.integers(30, 330, int(gone.sum()))
    hire[gone] = np.minimum(hire[gone], leave[gone] - 240)
    return hire, leave


def build_reps(config: GeneratorConfig, layout: Layout, first_user_number: int) -> Reps:
    """Draw every rep's time zone, hours, tenure and selling traits."""
    rng = config.rng("reps")
    n = len(layout.region)
    veteran = _veterans(layout)
    hire, leave = _tenure(rng, config, veteran)
    pattern = rng.choice(len(WORK_PATTERNS), n, p=[p for _, _, p in WORK_PATTERNS])
    starts = np.array([s for s, _, _ in WORK_PATTERNS])[pattern]
    ends = np.array([e for _, e, _ in WORK_PATTERNS])[pattern]
    aes = np.flatnonzero(~layout.is_sdr & ~veteran)
    rushers = rng.choice(aes, size=max(2, round(0.1 * len(aes))), replace=False)
    rushes = np.zeros(n, dtype=bool)
    rushes[rushers] = True
    return Reps(
        user_number=first_user_number + np.arange(n),
        team=layout.team,
        region=layout.region,
        segment=layout.segment,
        is_sdr=layout.is_sdr,
        zone=_zones(rng, layout.region),
        work_start=starts,
        work_end=ends,
        hire_day=hire,
        leave_day=leave,
        out_of_office=(rng.random(n) < 0.03) & (leave == NEVER),
        win_skill=np.clip(rng.lognormal(0.0, 0.22, n), 0.6, 1.6),
        cycle_factor=np.clip(rng.lognormal(0.0, 0.2, n), 0.6, 1.6),
        rushes_discovery=rushes,
    )


def zone_names() -> tuple[str, ...]:
    return TIME_ZONES
