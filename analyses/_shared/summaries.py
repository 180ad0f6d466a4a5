"""Columns that summarise one quantity: ``mean radius`` / ``worst radius`` / ``radius error``,
``temp_max`` / ``temp_min``, a price's ``open`` / ``high`` / ``low`` / ``close``.

Why: tables of aggregates carry several summaries of the same measurement side by side, and
those summaries correlate by construction (the worst of a cell's values moves with their
mean; a day's high with its low). A correlation between them is a fact of the table's
layout, not an effect an analyst would act on, so correlation reports it low. Read from the
names only because the names are the one place the layout is written; the rule never raises
a severity, it only keeps a layout fact from reaching the headline list.
"""

from __future__ import annotations

import re

#: words that name a summary statistic of a quantity rather than the quantity itself
SUMMARY_WORDS = frozenset(
    {
        "mean",
        "avg",
        "average",
        "median",
        "max",
        "maximum",
        "min",
        "minimum",
        "worst",
        "best",
        "std",
        "stdev",
        "stddev",
        "sd",
        "se",
        "sem",
        "error",
        "err",
        "var",
        "variance",
        "lo",
        "hi",
        "low",
        "high",
        "lower",
        "upper",
        "peak",
        "open",
        "close",
        "q1",
        "q3",
    }
)
#: the four prices of a trading period: summaries of one price even with no other word
OHLC_WORDS = frozenset({"open", "high", "low", "close"})
_PERCENTILE = re.compile(r"p\d{1,2}")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]


def _is_summary(word: str) -> bool:
    return word in SUMMARY_WORDS or bool(_PERCENTILE.fullmatch(word))


def shared_quantity(x: str, y: str) -> str | None:
    """The quantity two columns both summarise, or None.

    ``shared_quantity("mean smoothness", "worst smoothness") == "smoothness"``;
    ``shared_quantity("temp_max", "temp_min") == "temp"``; ``shared_quantity("open",
    "close") == "price"``; ``shared_quantity("radius", "mean radius") == "radius"``;
    ``shared_quantity("mean radius", "mean texture") is None``.
    """
    wx, wy = _words(x), _words(y)
    if wx == wy:
        return None
    rest_x = [w for w in wx if not _is_summary(w)]
    rest_y = [w for w in wy if not _is_summary(w)]
    if rest_x != rest_y:
        return None
    if not any(_is_summary(w) for w in wx + wy):
        return None
    if rest_x:
        return " ".join(rest_x)
    if set(wx) <= OHLC_WORDS and set(wy) <= OHLC_WORDS:
        return "price"
    return None
