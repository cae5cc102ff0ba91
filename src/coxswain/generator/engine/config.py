"""The frozen configuration of one generated company, and the scale knobs derived from it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from coxswain.core.errors import ValidationError

MIN_REPS = 36
MAX_REPS = 400
OPPORTUNITIES_PER_REP = 2500


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """What to generate.

    Attributes:
        seed: root of every random stream; the same seed and ``as_of`` give identical output.
        opportunities: exact number of opportunities (the other entities scale with it).
        as_of: the last day of the history ("today" for the generated company); nothing
            happens after it except planned close dates of open deals.
        history_months: length of the history in months, ending in ``as_of``'s month.
    """

    seed: int = 42
    opportunities: int = 10_000
    as_of: date = date(2026, 10, 31)
    history_months: int = 36

    def __post_init__(self) -> None:
        if self.opportunities < 1:
            raise ValidationError("the number of opportunities must be at least 1")
        if not 0 <= self.seed < 2**63:
            raise ValidationError("the seed must be between 0 and 2**63 - 1")
        if not 6 <= self.history_months <= 240:
            raise ValidationError("history_months must be between 6 and 240")

    @property
    def reps(self) -> int:
        """Quota-carrying reps (AEs and SDRs): N/2500 clamped to [36, 400]."""
        return min(MAX_REPS, max(MIN_REPS, round(self.opportunities / OPPORTUNITIES_PER_REP)))

    @property
    def accounts(self) -> int:
        """About one account per four opportunities, at least 250."""
        return max(250, self.opportunities // 4)

    @property
    def leads(self) -> int:
        return 2 * self.opportunities

    @property
    def activities(self) -> int:
        return self.opportunities

    @property
    def last_day(self) -> int:
        """``as_of`` in days since 1970-01-01."""
        return (self.as_of - date(1970, 1, 1)).days

    @property
    def first_month(self) -> int:
        """The first month of the history, in months since 1970-01."""
        return (self.as_of.year - 1970) * 12 + self.as_of.month - 1 - self.history_months

    @property
    def last_month(self) -> int:
        """``as_of``'s month, in months since 1970-01."""
        return (self.as_of.year - 1970) * 12 + self.as_of.month - 1

    @property
    def first_day(self) -> int:
        """The first day of the history (the first of :attr:`first_month`), days since epoch."""
        year, month = divmod(self.first_month, 12)
        return (date(1970 + year, month + 1, 1) - date(1970, 1, 1)).days

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random generator per named stream, so phases do not shift each other."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])
