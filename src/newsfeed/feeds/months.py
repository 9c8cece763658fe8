"""Calendar months in the site's time zone: what an archive document holds.

An archive is one month in `NEWSFEED_TIMEZONE`: 2024-03-31T23:30+09:00 is March in
Asia/Seoul although it is 14:30 UTC, and 2024-03-31T15:30Z is already April there. A month
is *closed* once it has ended in that zone: its archive can then change only by an edit
of an article published in it, never by time passing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1000, 9998  # the years a published_at may have


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """`YYYY-MM` over the whole string, else None."""
        found = _MONTH_RE.fullmatch(text)
        if found is None:
            return None
        year, month = int(found[1]), int(found[2])
        if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
            return None
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime, zone: tzinfo) -> Month:
        local = moment.astimezone(zone)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self, zone: tzinfo) -> datetime:
        """The first instant of the month in `zone`, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=zone).astimezone(UTC)

    def end(self, zone: tzinfo) -> datetime:
        """The first instant after the month."""
        return self.next().start(zone)
