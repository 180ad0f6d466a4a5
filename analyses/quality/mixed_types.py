"""The ``mixed_types`` analysis (quality family): mixed value types in string columns.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, MemoryModel

from .._shared.hist import (
    MAX_EXAMPLES,
    decoded,
    smallest,
)
from .._shared.report import cap_findings, share

# ======================================================================================
# mixed_types
# ======================================================================================
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME = r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(z|[ap]m|[+-]\d{2}:?\d{2})?)?"
DATE_PATTERN = (
    r"(?i)^("
    r"\d{4}-\d{1,2}-\d{1,2}" + _TIME + r"|"
    r"\d{4}/\d{1,2}/\d{1,2}" + _TIME + r"|"
    r"\d{1,2}[/.-]\d{1,2}[/.-](\d{2}|\d{4})" + _TIME + r"|"
    r"\d{1,2}[ -]" + _MONTH + r"[ -,]*\d{2,4}" + r"|" + _MONTH + r" \d{1,2}(st|nd|rd|th)?,? \d{4}"
    r")$"
)
NUMBER_PATTERN = r"^[+-]?[$€£¥]?(\d+|\d{1,3}(,\d{3})+)?(\.\d*)?([eE][+-]?\d+)?%?$"
WORD_PATTERN = r"\pL"
MANTISSA_DIGIT = r"^[+-]?[$€£¥]?\.?\d"
VALUE_TYPES = ("empty", "date", "number", "word", "other")
MIXED_TYPES = ("number", "date", "word")
MIXED_MIN_SHARE = 0.01
#: on equal counts the dominant type is the first of these (a number before a date)
DOMINANT_ORDER = (*MIXED_TYPES, "other")
EXAMPLE_VALUES = 5


def classify(strings: pa.Array) -> np.ndarray:
    """Index into VALUE_TYPES of each (non-null) string: empty (blank), date, number (a
    decimal/scientific/thousands-separated number, optional sign, currency, percent), word
    (contains a letter), other — the first that matches, in that order."""
    trimmed = pc.utf8_trim_whitespace(strings)

    def mask(values) -> np.ndarray:
        return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)

    empty = mask(pc.equal(pc.utf8_length(trimmed), 0))
    date = mask(pc.match_substring_regex(trimmed, DATE_PATTERN))
    # a digit in the mantissa: 'E1'..'E5' (loan sub-grades) match the exponent alone
    number = mask(pc.match_substring_regex(trimmed, NUMBER_PATTERN)) & mask(
        pc.match_substring_regex(trimmed, MANTISSA_DIGIT)
    )
    word = mask(pc.match_substring_regex(trimmed, WORD_PATTERN))
    out = np.full(len(strings), 4, dtype=np.int64)
    for code, m in ((3, word), (2, number), (1, date), (0, empty)):  # last assignment wins
        out[m] = code
    return out


@dataclass(slots=True)
class _TypeCounts:
    """One column's state: non-null and null values, counts per value type (in
    VALUE_TYPES order), and per type the first (row position, text) examples. Named fields
    rather than a string-keyed dict so the state is declared once with its types."""

    n: int = 0
    nulls: int = 0
    counts: list[int] = field(default_factory=lambda: [0] * len(VALUE_TYPES))
    first: dict[str, list[tuple[int, str]]] = field(
        default_factory=lambda: {t: [] for t in VALUE_TYPES}
    )


#: a word column whose distinct values are at least this share of its values is names
NAME_MIN_DISTINCT_SHARE = 0.5
NAMES_RULE = (
    "mostly words with at least half of its values distinct: names or labels, some of which "
    "are numbers (a car model '90', a street '42'), not a number column polluted with "
    "words; severity at most low"
)


#: a category of at most this many distinct values whose minority type is one text is a
#: level named so ('100%' beside 'none' and 'enriched'), not pollution
LABEL_MAX_LEVELS = 12
LABEL_RULE = (
    "a category of at most " + str(LABEL_MAX_LEVELS) + " levels whose other-typed values are "
    "all one text written with a sign or a unit, {label!r}: a level labelled that way, not a "
    "column polluted by another type (a bare number among words still is); severity at most "
    "low"
)
MARKERS_NOTE = (
    "values with neither a letter nor a digit ('?', '-', '.') among numbers or dates are "
    "'other': markers of a missing value read as text, which make the whole column a "
    "category (no profile, correlation or outlier test reads it as numbers); declare them "
    "as nulls (read the file with them as missing) or clean them upstream"
)


#: a number with a letter or two after it ('136A', '12bis' no): a variant of an id number
ID_VARIANT = re.compile(r"^\d+[A-Za-z]{1,2}$")
#: a column of numbers but for a few values (any count under 1% included) ...
STRAY_NUMBER_SHARE = 0.95
STRAY_NOTE = (
    f"at least {STRAY_NUMBER_SHARE:.0%} of the values are numbers and the rest (even one) are "
    "words or other text ('N/A', '--', 'x1', '6.2\\x1a'; not when every word is a number "
    "with a letter or two after it, '136A', an id's variant): the file's reader kept the "
    "whole column "
    "as text, so no profile, correlation or outlier test reads it as numbers; clean or "
    "declare those values as missing"
)


#: a column of dates but for a few values: as many dates as this share of its values
STRAY_DATE_SHARE = 0.8
STRAY_DATE_NOTE = (
    f"at least {STRAY_DATE_SHARE:.0%} of the values are dates and the rest (even one) are "
    "not ('3/-9/1848' with -9 for an unknown day, 'unknown', a date in another layout): "
    "the reader kept the whole column as text, so no time analysis, trend or gap reads it; "
    "clean or declare those values as missing"
)


def _one_label(s: _TypeCounts, minority: list[str], counts: dict, info) -> str | None:
    """The one text of a few-level category's minority type(s), when every minority
    value was kept as an example and all are that text; else None."""
    if info is None or not info.distinct_exact or info.distinct_at_least > LABEL_MAX_LEVELS:
        return None
    texts = set()
    for t in minority:
        if counts[t] > MAX_EXAMPLES:
            return None  # not every value seen: no claim
        texts.update(text.strip() for _, text in s.first[t])
    if len(texts) != 1:
        return None
    text = texts.pop()
    # a bare number among words ('17' among colours) is a value of the wrong type; one
    # written with a sign or a unit ('100%', '2x') names a level
    return None if text.replace(".", "", 1).isdigit() else text


class MixedTypes(Analysis):
    id = "mixed_types"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "per column a count per pattern class"
    family = "quality"
    title = "Mixed value types in string columns"
    requires = (ColumnKind.CATEGORICAL, ColumnKind.TEXT)
    exact = True
    passes = 1
    method = (
        "per string column (categorical or text), every non-null value is classified by "
        "regular expressions (pyarrow.compute, RE2) after trimming whitespace, first match "
        "wins: empty; date (ISO yyyy-mm-dd, yyyy/mm/dd, dd/mm/yyyy-like with / . -, day-month "
        "name-year, month name day year; optional time); number (optional sign/currency, "
        "digits with optional thousands separators, decimals, exponent, percent); word "
        "(contains a letter); other. A 'mixed_types' finding when two or more of number, "
        f"date, word each exceed {MIXED_MIN_SHARE:.0%} of the non-null values; severity medium "
        "when the dominant type holds >= 90% (a typed column polluted by another type; dates "
        f"from {STRAY_DATE_SHARE:.0%}, below), else "
        "low; low too when words dominate a column of names (distinct values >= 50% of its "
        "values: some names are numbers), and in a category of at most 12 levels whose "
        "other-typed values are all one text with a sign or unit (a level labelled '100%'; "
        "a bare number among words is still pollution). Values with neither "
        "a letter nor a digit ('?', '-') count as mixed too when numbers or dates are the "
        "column's one flagged type (markers of a missing value); and any word or other "
        "value, even one, in a column of numbers otherwise ("
        + STRAY_NOTE
        + "), or of dates otherwise ("
        + STRAY_DATE_NOTE
        + "). example_rows: first 20 rows of the non-dominant flagged types; example values: "
        "the first 5 per type"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. Bull. "
        "23(4); RE2 syntax (github.com/google/re2/wiki/Syntax)"
    )
    access = "streamed; one pass, vectorised regex classification per chunk"

    def init(self, ctx):
        return {c: _TypeCounts() for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            arr = decoded(chunk.column(c))
            if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
                arr = pc.cast(arr, pa.string())
            valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
            idx = np.flatnonzero(valid)
            strings = arr.filter(pa.array(valid))
            codes = classify(strings)
            s = state[c]
            s.n = int(idx.size)
            s.nulls = int(valid.size - idx.size)
            s.counts = np.bincount(codes, minlength=len(VALUE_TYPES)).tolist()
            for code, name in enumerate(VALUE_TYPES):
                where = np.flatnonzero(codes == code)[:MAX_EXAMPLES]
                if where.size:
                    texts = strings.take(pa.array(where)).to_pylist()
                    s.first[name] = [
                        (int(idx[w]) + chunk.row_start, t[:100])
                        for w, t in zip(where.tolist(), texts, strict=True)
                    ]
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in ctx.columns:
            x, y = a[c], b[c]
            out[c] = _TypeCounts(
                n=x.n + y.n,
                nulls=x.nulls + y.nulls,
                counts=[p + q for p, q in zip(x.counts, y.counts, strict=True)],
                first={t: smallest(x.first[t], y.first[t]) for t in VALUE_TYPES},
            )
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        flagged_columns = 0
        for c in ctx.columns:
            s = state[c]
            n = s.n
            counts = dict(zip(VALUE_TYPES, s.counts, strict=True))
            shares = {t: share(counts[t], n) for t in VALUE_TYPES}
            flagged = [t for t in MIXED_TYPES if n and counts[t] > MIXED_MIN_SHARE * n]
            if (
                len(flagged) == 1
                and flagged[0] in ("number", "date")
                and counts[flagged[0]] > counts["other"] > MIXED_MIN_SHARE * n
                and not any(ch.isdigit() for _, text in s.first["other"] for ch in text)
            ):
                # '?', '-', '.' among numbers: markers of a missing value read as text,
                # which turn the whole column into a category (its correlations vanish)
                flagged.append("other")
            # Mofa's netinc: one '6.2\x1a' among numbers made it a 29-level category; a
            # few 'N/A', '--', 'inf' do the same: every numeric analysis loses it
            stray = (
                flagged == ["number"]
                and counts["word"] + counts["other"] > 0
                and counts["number"] >= STRAY_NUMBER_SHARE * n
                # '136A' among family numbers 1..205 is an id's variant, not pollution;
                # 'x1' or '1O5' among measures is a typo that still costs the column
                and not (
                    s.first["word"]
                    and all(ID_VARIANT.match(text.strip()) for _, text in s.first["word"])
                )
            )
            # states_war's stdate: 31 of 284 dates written '3/-9/1848' (day unknown) left
            # the column a 243-level category; nothing said why no time analysis ran
            stray_dates = (
                flagged == ["date"]
                and counts["word"] + counts["other"] > 0
                and counts["date"] >= STRAY_DATE_SHARE * n
            )
            if stray or stray_dates:
                flagged += [t for t in ("word", "other") if counts[t]]
            if len(flagged) < 2:
                continue
            flagged_columns += 1
            dominant = max(flagged, key=lambda t: (counts[t], -DOMINANT_ORDER.index(t)))
            minority = [t for t in flagged if t != dominant]
            examples = sorted(p for t in minority for p, _ in s.first[t])[:MAX_EXAMPLES]
            values = {"count": n, "null_count": s.nulls}
            units = {"count": "count", "null_count": "count"}
            for t in VALUE_TYPES:
                values[f"{t}_count"] = counts[t]
                values[f"{t}_share"] = shares[t]
                units[f"{t}_count"] = "count"
                units[f"{t}_share"] = "ratio"
            values["example_values"] = {
                t: [text for _, text in s.first[t][:EXAMPLE_VALUES]]
                for t in VALUE_TYPES
                if counts[t]
            }
            units["example_values"] = "text"
            # a column of dates kept as text loses every time analysis: medium from 80%
            severity = "medium" if shares[dominant] >= 0.9 or stray_dates else "low"
            info = ctx.dataset.column(c)
            names = dominant == "word" and info.distinct_at_least >= NAME_MIN_DISTINCT_SHARE * n
            params = {}
            label = _one_label(s, minority, counts, info)
            if names and severity == "medium":
                # Cars93's Model: 'Integra', 'Legend', '90', '323' (names may be numbers)
                severity = "low"
                params["severity_capped"] = NAMES_RULE
            elif label is not None and severity == "medium":
                # UScereal's vitamins: 'none', 'enriched', '100%'
                severity = "low"
                params["severity_capped"] = LABEL_RULE.format(label=label)
            if "other" in flagged:
                params["markers"] = MARKERS_NOTE
            if stray:
                params["stray_values"] = STRAY_NOTE
            if stray_dates:
                params["stray_values"] = STRAY_DATE_NOTE
            out.append(
                ctx.finding(
                    kind="mixed_types",
                    title=f"Column {c!r} mixes {', '.join(flagged)} values",
                    subject={"column": c},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[c],
                    example_rows=examples,
                    parameters={
                        "types_flagged": flagged,
                        "dominant_type": dominant,
                        "min_share": MIXED_MIN_SHARE,
                        "date_pattern": DATE_PATTERN,
                        "number_pattern": NUMBER_PATTERN,
                        **params,
                    },
                )
            )
        summary = ctx.finding(
            kind="mixed_types_screen",
            title=f"Mixed-types screen: {flagged_columns} of {len(ctx.columns)} string columns mixed",
            subject={"scope": "dataset"},
            values={"columns_screened": len(ctx.columns), "columns_mixed": flagged_columns},
            units={"columns_screened": "count", "columns_mixed": "count"},
        )
        return cap_findings(ctx, out, summary)
