"""`newsfeed translations status`: the translation status board as a table on stdout."""

from __future__ import annotations

import argparse
import sys
import unicodedata

from newsfeed import validation
from newsfeed.settings import Settings
from newsfeed.store import Store
from newsfeed.workflow import Position, StatusRow

PAGE = 100
COLUMNS = ("No.", "state", "source_changed", "hits", "status", "title")


def _width(text: str) -> int:
    """Columns a terminal gives the text: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cells(row: StatusRow) -> tuple[str, ...]:
    return (
        str(row.id),
        row.state,
        row.source_changed_at or "-",
        str(row.hits),
        row.status,
        row.title,
    )


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    return [
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths, strict=False))
        + "  "
        + r[-1]
        for r in rows
    ]


async def print_status(store: Store, settings: Settings, args: argparse.Namespace) -> int:
    """Every row of the board for --lang (in --order, filtered by --state and --category),
    then the count of each state over the language and category."""
    if args.lang not in settings.langs:
        print(
            f"newsfeed: --lang {args.lang!r} is not one of {', '.join(settings.langs)}",
            file=sys.stderr,
        )
        return 2
    if args.category is not None and not validation.CATEGORY_RE.fullmatch(args.category):
        print(f"newsfeed: --category {args.category!r} is not a category", file=sys.stderr)
        return 2
    rows: list[StatusRow] = []
    after: Position | None = None
    while True:
        page = await store.translation_status(
            args.lang,
            state=args.state,
            category=args.category,
            order=args.order,
            limit=PAGE,
            after=after,
        )
        rows += page
        if len(page) < PAGE:
            break
        last = page[-1]
        after = Position(
            args.order, last.published_us if args.order == "newest" else last.hits, last.id
        )
    counts = await store.translation_counts(args.lang, args.category)
    for line in table([COLUMNS, *(_cells(r) for r in rows)]):
        print(line.rstrip())
    print(", ".join(f"{state} {n}" for state, n in counts.items()))
    return 0
