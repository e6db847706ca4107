"""Peak selling seasons, as configuration (``peaks@v1``): when demand on a marketplace runs well above
its usual level, and by how much. Restock advice works back from a peak's first day by the seller's
own lead time, so the dates here are the days buyers order, not the days goods must ship.

Uplifts are the multiple of a normal day's units sold during the season; they are the demo world's
calendar (``tradedata.simulation.seller._season``) and the rule-of-thumb figures cross-border
sellers plan with. A season with no marketplace prefixes applies to every marketplace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fourflow.core.i18n import N_

PEAKS_VERSION = "peaks@v1"


def _prime_day(year: int) -> tuple[date, date]:
    """Amazon's Prime Day: the second Tuesday of July and the Wednesday after it."""
    first = date(year, 7, 1)
    second_tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
    return second_tuesday, second_tuesday + timedelta(days=1)


def _black_friday(year: int) -> tuple[date, date]:
    """Black Friday (the day after the fourth Thursday of November) to Cyber Monday."""
    first = date(year, 11, 1)
    thanksgiving = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thanksgiving + timedelta(days=1), thanksgiving + timedelta(days=4)


@dataclass(frozen=True, slots=True)
class PeakSeason:
    code: str
    name: str  # a msgid
    dates: Callable[[int], tuple[date, date]]  # first and last day in a year
    uplift: Decimal
    marketplace_prefixes: tuple[str, ...] = ()

    def applies_to(self, marketplaces: Iterable[str]) -> bool:
        return not self.marketplace_prefixes or any(
            marketplace.startswith(self.marketplace_prefixes) for marketplace in marketplaces)


PEAK_SEASONS: tuple[PeakSeason, ...] = (
    PeakSeason("valentines_day", N_("Valentine's Day"),
               lambda year: (date(year, 2, 7), date(year, 2, 14)), Decimal("1.3")),
    PeakSeason("prime_day", N_("Prime Day"), _prime_day, Decimal("3.0"), ("amazon",)),
    PeakSeason("singles_day", N_("Singles' Day (11.11)"),
               lambda year: (date(year, 11, 11), date(year, 11, 11)), Decimal("1.8")),
    PeakSeason("black_friday", N_("Black Friday to Cyber Monday"), _black_friday, Decimal("2.0")),
    PeakSeason("christmas", N_("Christmas"), lambda year: (date(year, 12, 1), date(year, 12, 20)),
               Decimal("1.5")),
)
PEAK_NAMES = {season.code: season.name for season in PEAK_SEASONS}


@dataclass(frozen=True, slots=True)
class Peak:
    """One season in one year."""

    code: str
    name: str  # a msgid
    starts_on: date
    ends_on: date
    uplift: Decimal

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def key(self) -> str:
        return f"{self.code}:{self.starts_on.year}"


def upcoming_peaks(marketplaces: Iterable[str], today: date, horizon_days: int) -> list[Peak]:
    """Seasons on the seller's marketplaces that start after ``today`` and within the horizon,
    soonest first."""
    markets = list(marketplaces)
    found: list[Peak] = []
    for season in PEAK_SEASONS:
        if not season.applies_to(markets):
            continue
        for year in (today.year, today.year + 1):
            starts_on, ends_on = season.dates(year)
            if today < starts_on <= today + timedelta(days=horizon_days):
                found.append(Peak(season.code, season.name, starts_on, ends_on, season.uplift))
    return sorted(found, key=lambda peak: (peak.starts_on, peak.code))
