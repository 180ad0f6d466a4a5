"""Column kinds from the Arrow type and from the values — never from the column's name.

The decision is made in one streamed pass over every row (the dataset's *typing scan*),
with bounded memory: distinct values are tracked only up to ``DISTINCT_TRACK_CAP``.

Rules (documented in docs/user-guide.md, "How column kinds are inferred"):

* bool -> boolean; timestamp/date -> timestamp; duration -> duration.
* integer -> integer_id when the non-null values are non-decreasing in row order and
  either strictly increasing or a contiguous range (an identifier, not a measure);
  otherwise numeric. floats -> numeric.
* string -> text when values are long (mean length >= 20 characters) and mostly contain
  spaces (>= 50%) with many distinct values (> 1000, or > half of the non-null values);
  otherwise categorical (including high-cardinality keys such as case ids).
* string -> timestamp when every non-null value parses with one of ``DATE_FORMATS``
  (checked on every row; the first format that parses them all wins, and a day/month
  order that the data cannot settle is read month-first and reported as ambiguous).
* string -> numeric when every non-null value is a number written as text with thousands
  separators, percent signs, currency symbols or accounting parentheses (:mod:`.numbers`).
* anything else (binary, nested) -> other; analyses do not use it.

What a column *means* (its role) is decided afterwards from these summaries, in
:mod:`.roles`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..column_kinds import ColumnKind
from . import numbers
from .dates import (
    AMBIGUOUS_DATE_PAIRS,
    DATE_BAD_MAX,
    DATE_BAD_SHARE,
    DATE_FORMATS,
    PERIOD_FIELDS_MAX,
    PERIOD_MAX,
    YEAR_FIELD,
    YEAR_MONTH_LAYOUTS,
    failures,
    is_time_of_day,
    leading_fields,
    parses_all,
    settle_order,
)

#: timestamp ticks per second, by unit
_TICKS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}

DISTINCT_TRACK_CAP = 10_000
#: unique values converted to Python at a time by the distinct tracker
_DISTINCT_SLICE = 4096

CLOCK_MAX = 2400
#: at most this many values for a numeric column to be read as a coded factor
CODE_MAX_LEVELS = 12  # midnight is often written 2400
#: exact counts per value are kept while a numeric column has at most this many values:
#: enough for the entities of a panel (50 states, 800 firms) and the sets of a matched design
CODE_TRACK_CAP = 1000
#: repeated codes: at least this share of the values on the same (modal) number of rows
REPEATED_MODAL_SHARE = 0.9


@dataclass
class ColumnScan:
    """Running statistics of one column during the typing scan."""

    arrow_type: pa.DataType
    rows: int = 0
    nulls: int = 0
    distinct: set = field(default_factory=set)
    distinct_overflow: bool = False
    valid_seen: int = 0  # values passed to the distinct tracker so far
    overflow_at: int = 0  # ... when the distinct count passed DISTINCT_TRACK_CAP
    length_sum: int = 0
    with_space: int = 0
    sorted_so_far: bool = True
    descents: int = 0  # consecutive values (in row order) that decrease
    strictly: bool = True
    last: int | None = None
    min: int | None = None
    max: int | None = None
    # numbers (integers and floats): domain facts that roles are decided from
    fmin: float | None = None
    fmax: float | None = None
    non_integral: int = 0  # values with a fractional part, or infinite
    off_month_grid: int = 0  # finite values that are no whole number of twelfths
    off_quarter_grid: int = 0  # ... of quarters
    off_yyyymm_grid: int = 0  # ... of a year and a month written .01 .. .12 (1947.01)
    clock_bad: int = 0  # values that cannot be a time of day written hhmm
    yyyymmdd_bad: int = 0  # values that cannot be a date written as the number yyyymmdd
    negative: int = 0
    # timestamps: how coarse the values are (a "Year" stored as 1970-01-01 is yearly)
    off_midnight: int = 0
    off_first_day: int = 0
    off_january: int = 0
    off_month_end: int = 0  # values not on the last day of their month
    months: set = field(default_factory=set)
    weekdays: set = field(default_factory=set)
    # strings: the date layouts every value seen so far parses with, but for at most
    # DATE_BAD_MAX values shaped like the layout that are no date (2021-02-30)
    date_formats: list[str] = field(default_factory=lambda: list(DATE_FORMATS))
    date_bad: dict = field(default_factory=dict)  # layout -> such values, in order
    # a/b/yyyy dates: the distinct first and second numbers (to settle day/month order)
    leading_first: set = field(default_factory=set)
    # numbers: exact counts per value while there are at most CODE_MAX_LEVELS values
    code_counts: dict | None = field(default_factory=dict)
    leading_second: set = field(default_factory=set)
    # strings: what every value seen so far shows as a number written as text (None: one
    # value is no such number); see .numbers
    number_features: set | None = field(default_factory=set)
    # yyyy-n strings read by a year-month layout: the distinct second fields as written
    # (up to PERIOD_FIELDS_MAX) and years, to tell terms ('2000-1', '2000-2') from months
    period_fields: set = field(default_factory=set)
    period_years: set = field(default_factory=set)

    def update(self, col: pa.ChunkedArray | pa.Array) -> None:
        self.rows += len(col)
        self.nulls += col.null_count
        typ = self.arrow_type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            valid = _non_null(col)
            uniques = None
            if len(valid) and not self.distinct_overflow:
                # the distinct values are found anyway: measure each once, weighted by its
                # count (a column of a few labels: a third of the work per batch)
                counted = pc.value_counts(valid)  # values in order of first occurrence
                uniques, counts = counted.field("values"), counted.field("counts")
                self.length_sum += _weighted_sum(pc.utf8_length(uniques), counts)
                self.with_space += _weighted_sum(pc.match_substring(uniques, " "), counts)
            elif len(valid):
                self.length_sum += pc.sum(pc.utf8_length(valid)).as_py() or 0
                self.with_space += (
                    pc.sum(pc.cast(pc.match_substring(valid, " "), pa.int64())).as_py() or 0
                )
            self._track_distinct(valid, uniques)
            self._track_date_formats(valid)
            self._track_number_text(valid if uniques is None else uniques)
        elif pa.types.is_integer(typ):
            valid = _non_null(col)
            self._track_distinct(valid)
            if len(valid):
                raw = valid.to_numpy()
                # uint64 stays unsigned: past 2**63 an int64 cast wraps to negative values
                # (ids near 2**64 were read as -50..-1)
                arr = raw if raw.dtype == np.uint64 else np.asarray(raw, dtype=np.int64)
                self._track_domain(arr.astype(np.float64))
                lo, hi = int(arr.min()), int(arr.max())
                self.min = lo if self.min is None else min(self.min, lo)
                self.max = hi if self.max is None else max(self.max, hi)
                self._track_order(arr)
                self._track_codes(arr)
        elif pa.types.is_timestamp(typ):
            valid = _non_null(col)
            self._track_distinct(valid)
            if len(valid):
                floor = pc.floor_temporal(valid, unit="day")
                self.off_midnight += len(valid) - (pc.sum(pc.equal(floor, valid)).as_py() or 0)
                self.off_first_day += pc.sum(pc.not_equal(pc.day(valid), 1)).as_py() or 0
                self.off_january += pc.sum(pc.not_equal(pc.month(valid), 1)).as_py() or 0
                if not (self.off_midnight or self.off_month_end):
                    self._track_month_ends(valid, floor)
                self.weekdays |= set(pc.unique(pc.day_of_week(valid)).to_pylist())
        elif pa.types.is_floating(typ):
            valid = _non_null(col)
            arr = np.asarray(valid.to_numpy(zero_copy_only=False), dtype=np.float64)
            finite = np.isfinite(arr)
            # an infinity (1e400 in a CSV) is no whole number: the column is no id or count
            self.non_integral += int(np.count_nonzero(np.isinf(arr)))
            arr = arr[finite]
            if len(arr):
                self._track_distinct(pa.array(arr))
                self._track_domain(arr)
                self._track_order(arr)
                self._track_codes(arr)

    def _track_month_ends(self, valid: pa.Array, floor: pa.Array) -> None:
        """Count values off the last day of their month (the next day is the 1st: monthly
        data stamped at month end, as economic and financial exports do: 1967-07-31,
        1967-08-31) and note the months seen. Only while it can still matter: instants
        (a time of day) or one value off a month end settle the grain without it."""
        typ = valid.type
        one_day = pa.scalar(86_400 * _TICKS[typ.unit], type=pa.duration(typ.unit))
        # on the wall clock: 24 hours after midnight is not the next day across DST
        wall = pc.floor_temporal(pc.local_timestamp(valid), unit="day") if typ.tz else floor
        following = pc.add(wall, one_day)
        self.off_month_end += pc.sum(pc.not_equal(pc.day(following), 1)).as_py() or 0
        self.months |= set(pc.unique(pc.month(valid)).to_pylist())

    def _track_order(self, arr: np.ndarray) -> None:
        """Whether the values so far never decrease / always increase with the rows, and
        how often they decrease (a total that grows, revised now and then)."""
        # compared, never subtracted: a difference of two values near the float64 (or
        # int64) limit overflows, and an int64 one wraps to the wrong sign
        before, after = arr[:-1], arr[1:]
        first_down = self.last is not None and arr[0] < self.last
        first_same = self.last is not None and arr[0] == self.last
        down = int(np.count_nonzero(after < before)) + int(first_down)
        self.descents += down
        if self.sorted_so_far:
            if down:
                self.sorted_so_far = False
            elif (after == before).any() or first_same:
                self.strictly = False
        self.last = arr[-1].item()

    def _date_layout(self) -> dict:
        """The layout a string column is read with, whether its day/month order is still
        ambiguous, and (when the data settled it) why."""
        if not self._is_string:
            return {"date_format": None, "date_ambiguous": False}
        values = self.rows - self.nulls
        terms = self._periods_not_months()
        tolerable = [
            fmt
            for fmt in self.date_formats
            if len(self.date_bad.get(fmt, ())) <= DATE_BAD_SHARE * values
            and not (terms and fmt in YEAR_MONTH_LAYOUTS)
        ]
        viable, why = settle_order(tolerable, self.leading_first, self.leading_second)
        layout = date_format_of(viable)
        out = {
            "date_format": layout,
            "date_ambiguous": not why and tuple(viable[:2]) in AMBIGUOUS_DATE_PAIRS,
            # values shaped like the layout that are no date: read as missing, reported
            "date_bad": list(self.date_bad.get(layout, [])) if layout else [],
        }
        if why:
            out["date_order"] = why
        return out

    def _granularity(self) -> str | None:
        """year / month / day / instant: the finest calendar unit the timestamps use."""
        if not pa.types.is_timestamp(self.arrow_type) or self.rows == self.nulls:
            return None
        if self.off_midnight:
            return "instant"
        if self.off_first_day:
            if not self.off_month_end and self.rows - self.nulls > 2:
                # every value the last day of its month: monthly (yearly: all in one month)
                return "year" if len(self.months) == 1 else "month"
            return "week" if len(self.weekdays) == 1 and self.rows - self.nulls > 2 else "day"
        return "month" if self.off_january else "year"

    @property
    def _is_string(self) -> bool:
        typ = self.arrow_type
        return (pa.types.is_string(typ) or pa.types.is_large_string(typ)) and (
            self.rows > self.nulls
        )

    def _track_domain(self, arr: np.ndarray) -> None:
        lo, hi = float(arr.min()), float(arr.max())
        self.fmin = lo if self.fmin is None else min(self.fmin, lo)
        self.fmax = hi if self.fmax is None else max(self.fmax, hi)
        whole = arr == np.floor(arr)
        self.non_integral += int(len(arr) - np.count_nonzero(whole))
        # R's time of a monthly or quarterly series (1945.25), written with ~15 digits; a
        # value near the float limit overflows to inf and counts as off the grid
        with np.errstate(over="ignore", invalid="ignore"):
            twelfths = arr * 12.0
            on_grid = np.abs(twelfths - np.round(twelfths)) <= 1e-4
            quarters = arr * 4.0
            on_quarters = np.abs(quarters - np.round(quarters)) <= 1e-4
        self.off_month_grid += int(len(arr) - np.count_nonzero(on_grid))
        self.off_quarter_grid += int(len(arr) - np.count_nonzero(on_quarters))
        with np.errstate(over="ignore", invalid="ignore"):
            # volat's date 1947.01 .. 1993.06: the month in the hundredths, 01 .. 12
            hundredths = (arr - np.floor(arr)) * 100.0
            months = np.round(hundredths)
            # 0.02 of a month: a float32 1947.01 reads 1947.010009765625 (R's twelfths,
            # 1945.0833, sit a third of a unit off; their January is .00)
            on_yyyymm = (np.abs(hundredths - months) <= 0.02) & (months >= 1) & (months <= 12)
        self.off_yyyymm_grid += int(len(arr) - np.count_nonzero(on_yyyymm))
        self.negative += int(np.count_nonzero(arr < 0))
        ints = arr[whole]
        bad = (ints < 0) | (ints > CLOCK_MAX) | (np.mod(ints, 100) >= 60)
        self.clock_bad += int(np.count_nonzero(bad)) + int(len(arr) - len(ints))
        self.yyyymmdd_bad += int(len(arr) - np.count_nonzero(yyyymmdd_valid(ints)))

    def _track_date_formats(self, valid) -> None:
        """Keep the layouts that parse every value. A layout is rejected as soon as one
        value fails, so it is tried on the first values before the whole batch: most
        columns are no dates and fail at once (parsing 24 layouts over every value of every
        text column cost more than the rest of the typing scan)."""
        if not self.date_formats or not len(valid):
            return
        head = valid.slice(0, 16)
        kept = []
        for fmt in self.date_formats:
            if parses_all(head, fmt) and parses_all(valid, fmt):
                kept.append(fmt)
                continue
            if failures(head, fmt) is None:
                continue
            failed = failures(valid, fmt)
            if failed is None:
                continue
            bad = self.date_bad.get(fmt, []) + failed.to_pylist()
            if len(bad) <= DATE_BAD_MAX:
                self.date_bad[fmt] = bad
                kept.append(fmt)
        self.date_formats = kept
        if any(f in YEAR_MONTH_LAYOUTS for f in kept):
            self._track_periods(valid)
        if tuple(self.date_formats[:2]) in AMBIGUOUS_DATE_PAIRS:
            first, second = leading_fields(valid)
            self.leading_first |= first
            self.leading_second |= second

    def _track_periods(self, valid) -> None:
        """The second fields and years of yyyy-n values (bounded: once more than
        PERIOD_FIELDS_MAX fields are seen, the column is months and tracking stops)."""
        if len(self.period_fields) > PERIOD_FIELDS_MAX:
            return
        parts = pc.extract_regex(pc.unique(valid), YEAR_FIELD)
        self.period_fields |= {v for v in pc.struct_field(parts, "n").to_pylist() if v}
        if len(self.period_years) <= PERIOD_FIELDS_MAX:
            self.period_years |= {v for v in pc.struct_field(parts, "y").to_pylist() if v}

    def _periods_not_months(self) -> bool:
        """yyyy-n values whose n is one unpadded digit of at most 4 over 2 years or more:
        the terms of a year (openintro's exam_grades semester '2000-1', '2000-2'), not its
        months. Read as months, they made a 'monthly' series of January and February."""
        fields = self.period_fields
        return (
            0 < len(fields) <= PERIOD_FIELDS_MAX
            and len(self.period_years) >= 2
            and all(len(f) == 1 and 1 <= int(f) <= PERIOD_MAX for f in fields)
        )

    def _track_number_text(self, values) -> None:
        """Keep the features of numbers written as text while every value is one; tried on
        the first values first, as dates are (most text columns fail at once)."""
        if self.number_features is None or not len(values):
            return
        head = numbers.features_of(values.slice(0, 16))
        found = numbers.features_of(values) if head is not None else None
        self.number_features = None if found is None else self.number_features | found

    def _track_codes(self, arr: np.ndarray) -> None:
        """Exact counts per value while a numeric column has at most CODE_MAX_LEVELS
        values (the alternatives 1..4 of a long-format choice table)."""
        if self.code_counts is None:
            return
        values, counts = np.unique(arr, return_counts=True)
        if len(values) > CODE_TRACK_CAP:
            self.code_counts = None
            return
        for v, n in zip(values.tolist(), counts.tolist(), strict=True):
            self.code_counts[v] = self.code_counts.get(v, 0) + n
        if len(self.code_counts) > CODE_TRACK_CAP:
            self.code_counts = None

    def _balanced_codes(self) -> int | None:
        """k when the values are k >= 2 consecutive whole numbers (not just 0 and 1), each
        on exactly the same number of rows: a coded design factor, not a quantity."""
        codes = self.code_counts
        if not codes or len(codes) < 2 or set(codes) == {0, 1} or len(codes) > CODE_MAX_LEVELS:
            return None
        keys = sorted(codes)
        whole = all(float(k).is_integer() for k in keys)
        if not whole or keys[-1] - keys[0] + 1 != len(keys):
            return None
        counts = set(codes.values())
        return len(keys) if len(counts) == 1 and min(counts) >= 2 else None

    def _repeated_codes(self) -> dict | None:
        """Whole numbers (at least 3 of them) nearly all on the same number of rows, at
        least 2: the entity of a balanced panel (46 states x 30 years) or the matched sets
        of a design (83 strata of 3), whose values label rows rather than measure them.
        A quantity's values are almost never that evenly spread. ``{"levels", "rows"}``."""
        codes = self.code_counts
        if not codes or len(codes) < 3:
            return None
        if not all(float(k).is_integer() for k in codes):
            return None
        counts = np.fromiter(codes.values(), dtype=np.int64, count=len(codes))
        values, freq = np.unique(counts, return_counts=True)
        modal = int(values[np.argmax(freq)])
        on_modal = int(freq.max())
        if modal < 2 or on_modal < REPEATED_MODAL_SHARE * len(codes) or counts.max() > modal:
            return None  # an entity may miss periods (fewer rows), never have extra ones
        return {"levels": len(codes), "rows": modal}

    def _dropout_codes(self) -> dict | None:
        """Consecutive whole numbers from 0 or 1 (at least 5), each on no more rows than the
        one before and the last on fewer than the first: the n-th visit, purchase or wave
        of units that leave one by one (a panel with dropout), not a key of sets of rows.
        ``{"levels", "first_rows", "last_rows"}``."""
        codes = self.code_counts
        if not codes or len(codes) < 5:
            return None
        keys = sorted(codes)
        if not all(float(k).is_integer() for k in keys) or keys[0] not in (0, 1):
            return None
        if keys[-1] - keys[0] + 1 != len(keys):
            return None
        counts = [codes[k] for k in keys]
        if counts[-1] >= counts[0] or any(b > a for a, b in itertools.pairwise(counts)):
            return None
        return {"levels": len(keys), "first_rows": counts[0], "last_rows": counts[-1]}

    def _counts_from_zero(self) -> bool:
        """Consecutive whole numbers from 0 (at least 5), the most rows on 0 and each value
        on no more rows than the one before, but in a thin tail (values on under 1% of the
        rows): how often something happened to each row (NMES1988's hospital stays 0..8:
        3541, 599, 176, 48, 20, 12, 5, 1, 4), whatever its name says."""
        codes = self.code_counts
        if not codes or len(codes) < 5:
            return False
        keys = sorted(codes)
        if not all(float(k).is_integer() for k in keys) or keys[0] != 0:
            return False
        if keys[-1] + 1 != len(keys):
            return False
        counts = [codes[k] for k in keys]
        thin = 0.01 * sum(counts)
        return all(b <= a or b < thin for a, b in itertools.pairwise(counts))

    def _track_distinct(self, valid, uniques: pa.Array | None = None) -> None:
        """``uniques``: ``pc.unique(valid)`` (its order: first occurrence), when known."""
        if self.distinct_overflow or not len(valid):
            return
        before = self.valid_seen
        self.valid_seen += len(valid)
        if uniques is None:
            uniques = pc.unique(valid)
        # converted to Python a slice at a time: a column of unique values (a timestamp, a
        # key) passes the cap within its first batch, and converting the batch's 65,536
        # values (datetimes) cost more than the rest of its typing scan
        for start in range(0, len(uniques), _DISTINCT_SLICE):
            for value in uniques.slice(start, _DISTINCT_SLICE).to_pylist():
                self.distinct.add(value)
                if len(self.distinct) > DISTINCT_TRACK_CAP:
                    self.distinct_overflow = True
                    self.distinct = set()
                    # where the count stopped, exactly (the first row of the value that
                    # passed the cap): how densely new values came, whatever the batches
                    self.overflow_at = (
                        before + pc.index(valid, pa.scalar(value, valid.type)).as_py() + 1
                    )
                    return

    def summary(self) -> dict:
        non_null = self.rows - self.nulls
        return {
            "non_null": non_null,
            "distinct_at_least": DISTINCT_TRACK_CAP + 1
            if self.distinct_overflow
            else len(self.distinct),
            "distinct_exact": not self.distinct_overflow,
            # values read when the distinct count passed its cap (None: it never did)
            "distinct_overflow_at": self.overflow_at if self.distinct_overflow else None,
            "mean_length": (self.length_sum / non_null) if non_null and self.length_sum else 0.0,
            "space_share": (self.with_space / non_null) if non_null else 0.0,
            "non_decreasing": self.sorted_so_far,
            "strictly_increasing": self.sorted_so_far and self.strictly,
            "descents": self.descents,
            "min": self.min,
            "max": self.max,
            "fmin": self.fmin,
            "fmax": self.fmax,
            "non_integral": self.non_integral,
            "off_month_grid": self.off_month_grid,
            "off_quarter_grid": self.off_quarter_grid,
            "off_yyyymm_grid": self.off_yyyymm_grid,
            "balanced_codes": self._balanced_codes(),
            "repeated_codes": self._repeated_codes(),
            "dropout_codes": self._dropout_codes(),
            "counts_from_zero": self._counts_from_zero(),
            "clock_bad": self.clock_bad,
            "yyyymmdd_bad": self.yyyymmdd_bad,
            "negative": self.negative,
            "granularity": self._granularity(),
            "month_end": self._granularity() in ("month", "year") and bool(self.off_first_day),
            **self._date_layout(),
            "number_format": numbers.layout_of(self.number_features) if self._is_string else None,
        }


def _weighted_sum(per_value: pa.Array, counts: pa.Array) -> int:
    """Sum over distinct values of a per-value measure (a length, a 0/1 flag) times the
    value's count: the measure's sum over every row, exactly (integers)."""
    measure = np.asarray(per_value.to_numpy(zero_copy_only=False), dtype=np.int64)
    return int(np.dot(measure, np.asarray(counts.to_numpy(), dtype=np.int64)))


def _non_null(col: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """The column without its nulls: the column itself when it has none (drop_null
    copies every value, a tenth of a text column's typing scan)."""
    return col if col.null_count == 0 else pc.drop_null(col)


#: the years a date written as the number yyyymmdd may fall in
YYYYMMDD_YEARS = (1800, 2200)


def yyyymmdd_valid(ints: np.ndarray) -> np.ndarray:
    """Which whole numbers are calendar dates written yyyymmdd (19850102): a year in
    YYYYMMDD_YEARS, a month 1..12 and a day that month has (29 February in leap years)."""
    inside = (ints >= YYYYMMDD_YEARS[0] * 10000 + 101) & (ints <= YYYYMMDD_YEARS[1] * 10000 + 1231)
    if not inside.any():  # most columns: no value in range, so none is such a date
        return inside
    v = np.where(inside, ints, 0).astype(np.int64)  # no cast of a value beyond int64
    year, month, day = v // 10000, (v // 100) % 100, v % 100
    ok = (year >= YYYYMMDD_YEARS[0]) & (year <= YYYYMMDD_YEARS[1]) & (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)]
    days = days + ((month == 2) & leap)
    return inside & ok & (day >= 1) & (day <= days)


def date_format_of(viable: list[str]) -> str | None:
    """The layout a string column is read with: the first that parses every value."""
    return viable[0] if viable else None


def decide_kind(arrow_type: pa.DataType, summary: dict) -> ColumnKind:
    if pa.types.is_boolean(arrow_type):
        return ColumnKind.BOOLEAN
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return ColumnKind.TIMESTAMP
    if pa.types.is_duration(arrow_type):
        return ColumnKind.DURATION
    if pa.types.is_integer(arrow_type):
        non_null = summary["non_null"]
        if non_null >= 20 and summary["non_decreasing"]:
            if summary["strictly_increasing"]:
                return ColumnKind.INTEGER_ID
            span = (summary["max"] - summary["min"] + 1) if summary["min"] is not None else 0
            if summary["distinct_exact"] and span == summary["distinct_at_least"] and span > 1:
                return ColumnKind.INTEGER_ID
        return ColumnKind.NUMERIC
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        # whole floats in row order over a contiguous range: a row index or an entity id
        # stored as floats ("TIME" 1..25, "individual" 1,1,1,1,2,...)
        if (
            summary["non_null"] >= 20
            and summary.get("non_integral", 1) == 0
            and summary["non_decreasing"]
            and summary["distinct_exact"]
            and summary.get("fmin") is not None
            and summary["fmax"] - summary["fmin"] + 1 == summary["distinct_at_least"] > 1
        ):
            # 1, 1, 1, 1, 2, 2, ...: the individual of a long-format table
            return ColumnKind.INTEGER_ID
        return ColumnKind.NUMERIC
    if (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_dictionary(arrow_type)
    ):
        if summary.get("date_format"):
            if is_time_of_day(summary["date_format"]):
                return ColumnKind.DURATION
            return ColumnKind.TIMESTAMP
        if summary.get("number_format"):
            return ColumnKind.NUMERIC
        non_null = summary["non_null"]
        distinct = summary["distinct_at_least"]
        many = distinct > 1000 or (non_null and distinct > non_null / 2)
        if summary["mean_length"] >= 20 and summary["space_share"] >= 0.5 and many:
            return ColumnKind.TEXT
        return ColumnKind.CATEGORICAL
    return ColumnKind.OTHER
