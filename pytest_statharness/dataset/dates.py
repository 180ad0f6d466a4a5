"""Dates written as text: the layouts recognised, how a column is parsed with one, and how
a day/month order the layouts cannot settle is settled from the data.

Why a module of its own: the typing scan (:mod:`.inference`) decides a column's layout
and the chunk reader (:mod:`.dataset`) parses with it; both must agree on every layout,
including the two Arrow's ``strptime`` cannot read (quarters such as ``1972Q2``).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Quarter layouts (no strptime directive reads a quarter): layout -> regex with the year
#: and the quarter as its groups y and n. A quarter is dated on its first day.
QUARTER_LAYOUTS = {
    "%YQ%q": r"^(?P<y>\d{4})[Qq](?P<n>[1-4])$",
    "%Y-Q%q": r"^(?P<y>\d{4})-[Qq](?P<n>[1-4])$",
    "%Y Q%q": r"^(?P<y>\d{4}) [Qq](?P<n>[1-4])$",
}

#: ISO week layouts (strptime's %W needs a weekday to give a date): layout -> regex with
#: the year and the week (01..53) as its groups y and n. A week is dated on its Monday, ISO
#: 8601's (week 1 holds 4 January). tsibble prints weeks so: fpp3's us_gasoline '1991 W06'
#: was read as an identifier, with no time analysis.
WEEK_LAYOUTS = {
    "%G W%V": r"^(?P<y>\d{4}) W(?P<n>0[1-9]|[1-4]\d|5[0-3])$",
    "%G-W%V": r"^(?P<y>\d{4})-W(?P<n>0[1-9]|[1-4]\d|5[0-3])$",
    "%GW%V": r"^(?P<y>\d{4})W(?P<n>0[1-9]|[1-4]\d|5[0-3])$",
}
#: layouts read with a regex rather than strptime: quarters and ISO weeks
REGEX_LAYOUTS = {**QUARTER_LAYOUTS, **WEEK_LAYOUTS}

#: Times of day written as text, each with the regex its values match (minutes and seconds
#: of two digits: '2:1' is a score, not a time). Arrow's CSV reader types a column of such
#: values as a time of day only while every value is one: one '25:99:00' made the column
#: text, silently. They are read as the time elapsed since midnight (a duration), as
#: Arrow's times of day are (:mod:`.dataset`).
TIME_OF_DAY_LAYOUTS = {
    "%H:%M:%S": r"^\s*\d{1,2}:\d{2}:\d{2}\s*$",
    "%H:%M": r"^\s*\d{1,2}:\d{2}\s*$",
}

#: Date and date-time layouts recognised in string columns, most specific first.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    # two-digit years, as spreadsheets export them ("8/6/20 18:57"): 00..68 are 20xx,
    # 69..99 19xx (POSIX strptime's pivot)
    "%m/%d/%y",
    "%d/%m/%y",
    "%m/%d/%y %H:%M:%S",
    "%d/%m/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%d/%m/%y %H:%M",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%m-%d-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M:%S",
    "%m-%d-%Y %H:%M",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d-%b-%Y",
    "%b %d %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%Y-%m",
    "%Y/%m",
    # months named: tsibble's yearmonth prints '1960 Jan' (fpp3's canadian_gas was read
    # as an identifier, with no time analysis), spreadsheets 'Jan 1960'
    "%Y %b",
    "%Y %B",
    "%b %Y",
    "%B %Y",
    *QUARTER_LAYOUTS,
    *WEEK_LAYOUTS,
    *TIME_OF_DAY_LAYOUTS,
)

#: Year-month layouts: '2000-1' also writes the first term of 2000 (a semester, a
#: quarter), told apart from the data by :data:`PERIOD_MAX`.
YEAR_MONTH_LAYOUTS = ("%Y-%m", "%Y/%m")
#: the year and the second field of a yyyy-n value
YEAR_FIELD = r"^\s*(?P<y>\d{4})[-/](?P<n>\d{1,2})\s*$"
#: yyyy-n values whose n never passes this (one digit, never zero-padded) over 2 years or
#: more are the terms of a year, not its months
PERIOD_MAX = 4
#: second fields tracked; a column showing more is months
PERIOD_FIELDS_MAX = 12

#: Layout pairs that differ only in the day/month order: both parse when no day is > 12.
AMBIGUOUS_DATE_PAIRS = {
    ("%m/%d/%Y", "%d/%m/%Y"),
    ("%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"),
    ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M"),
    ("%m/%d/%y", "%d/%m/%y"),
    ("%m/%d/%y %H:%M:%S", "%d/%m/%y %H:%M:%S"),
    ("%m/%d/%y %H:%M", "%d/%m/%y %H:%M"),
    ("%m-%d-%Y", "%d-%m-%Y"),
    ("%m-%d-%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S"),
    ("%m-%d-%Y %H:%M", "%d-%m-%Y %H:%M"),
}
#: The two leading numbers of an a/b/yyyy (a-b-yyyy) date: the fields whose order is in
#: question.
LEADING_FIELDS = r"^\s*(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-]"


def is_time_of_day(layout: str) -> bool:
    """The layout reads times of day (durations since midnight), not dates."""
    return layout in TIME_OF_DAY_LAYOUTS


def parse(column, layout: str):
    """``column`` (strings) as timestamps[us] read with ``layout`` (a time-of-day layout:
    as durations[us] since midnight); a value that does not parse becomes null."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if is_time_of_day(layout):
        return _parse_time_of_day(column, layout)
    if layout in REGEX_LAYOUTS:
        return _parse_by_regex(column, layout)
    parsed = pc.strptime(column, format=layout, unit="us", error_is_null=True)
    rolled = _rolled_over(column, parsed, layout)
    if rolled is not None:
        parsed = pc.if_else(rolled, pa.scalar(None, parsed.type), parsed)
    if layout.endswith("Z") and parsed.type.tz is None:
        parsed = pc.assume_timezone(parsed, "UTC")
    return parsed


#: a value read as a date has a year of four digits: strptime's %Y takes "1/2" as the year 1,
#: February (genotypes 1/2, 3/4 became dates of years 1..4)
MIN_YEAR = 1000


def parses_all(values, layout: str) -> bool:
    """Every (non-null) value of ``values`` parses with ``layout``, in a year from MIN_YEAR."""
    pattern = REGEX_LAYOUTS.get(layout)
    if pattern is not None:
        return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py() is not False)
    shape = TIME_OF_DAY_LAYOUTS.get(layout)
    if shape is not None and pc.all(pc.match_substring_regex(values, shape)).as_py() is False:
        return False
    parsed = pc.strptime(values, format=layout, unit="us", error_is_null=True)
    if parsed.null_count:
        return False
    rolled = _rolled_over(values, parsed, layout)
    if rolled is not None and pc.any(rolled).as_py():
        return False  # 2021-02-30 is no date (strptime rolls it over to 2 March)
    return not len(parsed) or "%Y" not in layout or pc.min(pc.year(parsed)).as_py() >= MIN_YEAR


#: a date column may hold this many values shaped like its layout that are no date
#: (2021-02-30, 2019-13-01) and at most DATE_BAD_SHARE of its values: they are read as
#: missing and reported (impossible_values), instead of the column turning into text
DATE_BAD_MAX = 5
DATE_BAD_SHARE = 0.05
#: what each strptime directive's field looks like in a value
_DIRECTIVE_SHAPES = {
    "Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "H": r"\d{1,2}",
    "M": r"\d{1,2}", "S": r"\d{1,2}", "j": r"\d{1,3}", "b": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]{3,9}", "%": "%",
}  # fmt: skip


def layout_shape(layout: str) -> str | None:
    """A regex matching the values that look written with ``layout`` (digits where its
    numbers go), or None for a layout with other directives (no tolerance then)."""
    if is_time_of_day(layout):
        return TIME_OF_DAY_LAYOUTS[layout]
    out, k = ["^\\s*"], 0
    while k < len(layout):
        ch = layout[k]
        if ch == "%" and k + 1 < len(layout):
            shape = _DIRECTIVE_SHAPES.get(layout[k + 1])
            if shape is None:
                return None
            out.append(shape)
            k += 2
        else:
            out.append(re.escape(ch))
            k += 1
    return "".join(out) + "\\s*$"


def failures(values, layout: str):
    """The values that do not read as dates with ``layout`` (unparsed, rolled over such
    as 2021-02-30, or before MIN_YEAR), or None when one of them is not even shaped like
    the layout (the column is no date column). A quarter or week layout tolerates nothing."""
    pattern = REGEX_LAYOUTS.get(layout)
    if pattern is not None:
        return values.slice(0, 0) if parses_all(values, layout) else None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    parsed = pc.strptime(values, format=layout, unit="us", error_is_null=True)
    unparsed = pc.is_null(parsed)
    if is_time_of_day(layout):  # '2:1' parses with %H:%M but is no time written so
        shaped = pc.match_substring_regex(values, TIME_OF_DAY_LAYOUTS[layout])
        unparsed = pc.or_(unparsed, pc.invert(pc.fill_null(shaped, False)))
    read, dates = values.filter(pc.invert(unparsed)), parsed.filter(pc.invert(unparsed))
    wrong = pc.fill_null(pc.less(pc.year(dates), MIN_YEAR), False) if "%Y" in layout else None
    rolled = _rolled_over(read, dates, layout)  # digits of parsed values only
    if rolled is not None:
        wrong = rolled if wrong is None else pc.or_(wrong, rolled)
    failed = values.filter(unparsed)
    if wrong is not None and pc.any(wrong).as_py():
        failed = pa.concat_arrays([failed, read.filter(wrong)])
    if not len(failed):
        return failed
    shape = layout_shape(layout)
    if shape is None or not pc.all(pc.match_substring_regex(failed, shape)).as_py():
        return None
    return failed


#: the numeric strptime directives, each read from one run of digits of a value
_NUMERIC_DIRECTIVES = ("Y", "y", "m", "d", "H", "M", "S", "j")


def _rolled_over(values, parsed, layout: str):
    """True where a value's day of month is not the parsed date's (None when the layout
    has no %d): Arrow's strptime reads 2021-02-30 as 2 March instead of failing, a
    silently different date. The day is the value's k-th run of digits, k the place of
    %d among the layout's numeric directives (month names hold none)."""
    directives = [d for d in re.findall(r"%([A-Za-z])", layout) if d in _NUMERIC_DIRECTIVES]
    if "d" not in directives:
        return None
    parsed_day = pc.day(parsed)
    # a rolled-over date lands on day 1, 2 or 3 of the next month: the digits are read
    # only when some value does (most columns cost one day() pass)
    if not pc.any(pc.less_equal(parsed_day, 3)).as_py():
        return None
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    digits = pc.split_pattern_regex(pc.replace_substring_regex(values, r"^\D+", ""), r"\D+")
    day = pc.cast(pc.list_element(digits, directives.index("d")), pa.int64())
    return pc.fill_null(pc.not_equal(day, parsed_day), False)


#: 1900-01-01 in microseconds since 1970: the date strptime gives a value without one
_STRPTIME_DAY_US = -2_208_988_800_000_000


def _parse_time_of_day(column, layout: str):
    """Durations[us] since midnight; a value not shaped like ``layout`` or no time of day
    ('25:99:00') becomes null."""
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array(
            [_parse_time_of_day(c, layout) for c in column.chunks], type=pa.duration("us")
        )
    shaped = pc.match_substring_regex(column, TIME_OF_DAY_LAYOUTS[layout])
    parsed = pc.strptime(column, format=layout, unit="us", error_is_null=True)
    parsed = pc.if_else(pc.fill_null(shaped, False), parsed, pa.scalar(None, parsed.type))
    since = pc.subtract(pc.cast(parsed, pa.int64()), _STRPTIME_DAY_US)
    return since.cast(pa.duration("us"))


def _parse_by_regex(column, layout: str):
    """Quarters as the timestamp of their first day, ISO weeks as that of their Monday
    (null where a value does not match the layout's regex)."""
    if isinstance(column, pa.ChunkedArray):
        return pa.chunked_array(
            [_parse_by_regex(c, layout) for c in column.chunks], type=pa.timestamp("us")
        )
    parts = pc.extract_regex(column, REGEX_LAYOUTS[layout])
    valid = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
    year = np.asarray(pc.fill_null(pc.cast(pc.struct_field(parts, "y"), pa.int64()), 1970))
    n = np.asarray(pc.fill_null(pc.cast(pc.struct_field(parts, "n"), pa.int64()), 1))
    if layout in QUARTER_LAYOUTS:
        months = (year - 1970) * 12 + (n - 1) * 3
        days = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    else:
        jan4 = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + 3
        days = jan4 - (jan4 + 3) % 7 + 7 * (n - 1)  # 1970-01-01 was a Thursday
    return pa.array(days * 86_400_000_000, pa.int64(), mask=~valid).cast(pa.timestamp("us"))


def leading_fields(values) -> tuple[set[int], set[int]]:
    """The distinct first and second numbers of a/b/yyyy dates (for :func:`settle_order`)."""
    parts = pc.extract_regex(values, LEADING_FIELDS)
    first = {int(v) for v in pc.unique(pc.struct_field(parts, "a")).to_pylist() if v is not None}
    second = {int(v) for v in pc.unique(pc.struct_field(parts, "b")).to_pylist() if v is not None}
    return first, second


def settle_order(viable: list[str], first: set[int], second: set[int]) -> tuple[list[str], str]:
    """Order an ambiguous pair of layouts from the data: when one field holds a single
    value on every row and the other varies, the constant one is the day (monthly dates
    written on the 1st: ``01/04/1854``, ``01/05/1854``); returns the layouts (the settled
    one first) and why, or the layouts unchanged and "" when the data cannot tell."""
    if len(viable) < 2 or tuple(viable[:2]) not in AMBIGUOUS_DATE_PAIRS:
        return viable, ""
    month_first, day_first = viable[0], viable[1]
    if len(first) == 1 and len(second) > 1:
        why = f"the first field is {min(first):02d} on every row: the day of monthly dates"
        return [day_first, month_first, *viable[2:]], why
    if len(second) == 1 and len(first) > 1:
        why = f"the second field is {min(second):02d} on every row: the day of monthly dates"
        return viable, why
    return viable, ""
