"""Numbers written as text: thousands separators, percent signs, currency symbols.

Why: exports from spreadsheets and BI tools write ``"7,151.03"``, ``13.9%``, ``$1,200`` or
``(450.00)``. A CSV reader (pyarrow's, polars', DuckDB's) reads such a column as text, and
the harness then called a revenue column a key ("a distinct value on every row") and a
margin a category, and no analysis looked at either: a silently lost measure. A column
every value of which is a number in one of these forms is read as that number, the way a
string column of dates is read as timestamps (:mod:`.dates`), and says so in report.json
(``number_format``).

The value read is the number as written: ``13.9%`` is 13.9 (a percentage, not 0.139),
``(450.00)`` is -450 (accounting's negative), ``$1,200`` is 1200. A column is read this way
only when *every* non-null value matches (:data:`NUMBER_TEXT`) and at least one carries a
thousands separator, a percent sign, a currency symbol or accounting parentheses: plain
digits stored as text (zip codes, zero-padded codes) stay text, and so does a column with
a single value in another form (``mixed_types`` reports that). Comma decimals
(``12,5``) are not read: ``1,500`` would be ambiguous between the two conventions.

Missing-value markers (``.``, ``?``, ``-``, ``..``, ``:``) among numbers make the column
numbers with those rows missing, as the export meant (Stata's and SAS' ``.``): a count
with a few ``.`` is still a count.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

#: a currency symbol before or after the number
CURRENCY = "$€£¥₹"
_MAGNITUDE = r"(?:\d{1,3}(?:,\d{3})+|0|[1-9]\d*)(?:\.\d+)?|\.\d+"
_SIGNED = rf"[-+]?\s?[{CURRENCY}]?\s?[-+]?(?:{_MAGNITUDE})\s?%?\s?[{CURRENCY}]?"
#: one number written as text: optional sign and currency, digits with or without groups
#: of three after commas, an optional decimal part and percent sign; or such a number in
#: accounting parentheses. No leading zeros ("007" is a code).
NUMBER_TEXT = rf"^\s*(?:{_SIGNED}|\(\s?[{CURRENCY}]?\s?(?:{_MAGNITUDE})\s?%?\s?\))\s*$"

#: features a value may show (the column's ``number_format`` lists those seen, "+"-joined)
FEATURES = {
    "thousands": r"\d,\d{3}",
    "percent": "%",
    "currency": f"[{CURRENCY}]",
    "parentheses": r"\(",
    "decimal": r"\.\d",
}
#: a missing-value marker among numbers: Stata's and SAS' '.', a '?', a dash, '..' or ':'
#: (statistics offices). pyarrow reads such a column as text; countymurders' arrests (a
#: count, '.' where not known) became a 176-level category, birthweight's parents'
#: schooling a code, and every numeric analysis lost them. Read as missing.
MARKER_TEXT = r"^\s*(?:\.{1,2}|\?|-{1,2}|\*|:)\s*$"
#: features that make text of a number: one of them must be seen for the column to be read
FORMATTING = ("thousands", "percent", "currency", "parentheses", "markers")
#: internal: the values hold at least one number (a column of markers alone is no number)
_DIGITS = "digits"
#: more digits than this: read as float64 (an int64 of 16+ digits is no measure anyway)
MAX_INT_DIGITS = 15


def features_of(values: pa.Array | pa.ChunkedArray) -> set[str] | None:
    """The features ``values`` (non-null strings) show, or None when one value is not a
    number written as text."""
    if not len(values):
        return set()
    markers = pc.match_substring_regex(values, MARKER_TEXT)
    found = set()
    if pc.any(markers).as_py():
        found.add("markers")
        values = pc.filter(values, pc.invert(markers))
        if not len(values):
            return found
    if not pc.all(pc.match_substring_regex(values, NUMBER_TEXT)).as_py():
        return None
    found.add(_DIGITS)
    found |= {
        name
        for name, pattern in FEATURES.items()
        if pc.any(pc.match_substring_regex(values, pattern)).as_py()
    }
    digits = pc.utf8_length(pc.replace_substring_regex(values, r"\D", ""))
    if pc.max(digits).as_py() > MAX_INT_DIGITS:
        found.add("long")
    return found


def layout_of(features: set[str] | None) -> str | None:
    """The column's ``number_format`` (None: not read as numbers)."""
    if not features or _DIGITS not in features or not any(f in features for f in FORMATTING):
        return None
    return "+".join(sorted(features - {_DIGITS}))


def number_type(layout: str) -> pa.DataType:
    """Whole numbers of at most MAX_INT_DIGITS digits are int64; anything else float64."""
    parts = layout.split("+")
    return pa.float64() if ("decimal" in parts or "long" in parts) else pa.int64()


def describe(layout: str) -> str:
    """Words for report.json and the role reason."""
    words = {
        "thousands": "thousands separators",
        "percent": "percent signs (read as written: 13.9% is 13.9)",
        "currency": "currency symbols",
        "parentheses": "accounting parentheses for negatives",
        "markers": "missing-value markers ('.', '?', '-') read as missing",
    }
    shown = [words[p] for p in layout.split("+") if p in words]
    return "numbers written as text with " + ", ".join(shown)


def parse(column, layout: str):
    """``column`` (strings) as numbers of :func:`number_type`; a value that does not match
    becomes null (none does once the typing scan chose the layout)."""
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([parse(c, layout) for c in column.chunks], type=number_type(layout))
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    valid = pc.match_substring_regex(column, NUMBER_TEXT)
    negative = pc.or_(
        pc.match_substring_regex(column, r"^\s*\("), pc.match_substring_regex(column, r"-")
    )
    digits = pc.replace_substring_regex(column, r"[^0-9.]", "")
    digits = pc.if_else(valid, digits, pa.scalar(None, pa.string()))
    typ = number_type(layout)
    magnitude = pc.cast(digits, typ)
    # 0 - x, not -x: "-0.00" is 0.0, no negative zero in a sum or a snapshot
    return pc.if_else(negative, pc.subtract(pa.scalar(0, typ), magnitude), magnitude)
