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
from collections.abc import Collection
from itertools import pairwise

from pytest_statharness.dataset.roles import name_tokens

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
        "highest",
        "lowest",
        "open",
        "close",
        "q1",
        "q3",
        # a quantity as a total and as a share of something (bakers' total_episodes_appeared
        # and percent_episodes_appeared, a loan's total and open credit lines)
        "total",
        "sum",
        "percent",
        "pct",
        "share",
        "proportion",
        "fraction",
        # one quantity as recorded and as corrected (polls' rawpoll_clinton and
        # adjpoll_clinton)
        "raw",
        "adj",
        "adjusted",
        "unadjusted",
    }
)
#: the four prices of a trading period: summaries of one price even with no other word,
#: in a table that has at least OHLC_MIN of them (a bare 'low' and 'high' alone are two
#: scores: students' risk-taking under three treatments, ranked differently on each)
OHLC_WORDS = frozenset({"open", "high", "low", "close"})
OHLC_MIN = 3


def _price_table(columns: Collection[str]) -> bool:
    """``columns`` name at least OHLC_MIN of a trading period's four prices, bare."""
    bare = {tuple(_words(c)) for c in columns}
    return sum((w,) in bare for w in OHLC_WORDS) >= OHLC_MIN


_PERCENTILE = re.compile(r"p\d{1,2}")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]


def _is_summary(word: str) -> bool:
    return word in SUMMARY_WORDS or bool(_PERCENTILE.fullmatch(word))


_VERSION_PREFIX = re.compile(r"(raw|adj)([a-z]{3,})")


def _split_versions(words: list[str]) -> list[str]:
    """'rawpoll' -> 'raw', 'poll': a recorded or adjusted version prefixed to a word."""
    out = []
    for w in words:
        m = _VERSION_PREFIX.fullmatch(w)
        out.extend(m.groups() if m else (w,))
    return out


def _seasonally_adjusted(wx: list[str], wy: list[str]) -> bool:
    """Hstarts' 'hs' and 'hssa': one series and its seasonally adjusted ('sa') or not
    adjusted ('nsa') version, the suffix on the last word or as a word of its own."""
    for a, b in ((wx, wy), (wy, wx)):
        if len(b) == len(a) + 1 and b[:-1] == a and b[-1] in ("sa", "nsa"):
            return True
        if len(a) == len(b) and a and a[:-1] == b[:-1]:
            if b[-1] in (a[-1] + "sa", a[-1] + "nsa") and len(a[-1]) >= 2:
                return True
    return False


def shared_quantity(x: str, y: str, columns: Collection[str] = ()) -> str | None:
    """The quantity two columns both summarise, or None.

    ``shared_quantity("mean smoothness", "worst smoothness") == "smoothness"``;
    ``shared_quantity("temp_max", "temp_min") == "temp"``; ``shared_quantity("open",
    "close", columns) == "price"`` when ``columns`` (the table's) name 3 of open, high, low,
    close; ``shared_quantity("radius", "mean radius") == "radius"``;
    ``shared_quantity("mean radius", "mean texture") is None``.
    """
    wx, wy = _words(x), _words(y)
    if wx == wy:
        return None
    rest_x = [w for w in wx if not _is_summary(w)]
    rest_y = [w for w in wy if not _is_summary(w)]
    if _seasonally_adjusted(wx, wy):
        return " ".join(wx if len("".join(wx)) < len("".join(wy)) else wy)
    if rest_x != rest_y:
        # 'rawpoll_clinton' and 'adjpoll_clinton': the version written into the word
        wx, wy = _split_versions(wx), _split_versions(wy)
        rest_x = [w for w in wx if not _is_summary(w)]
        rest_y = [w for w in wy if not _is_summary(w)]
        if rest_x != rest_y:
            return None
    if not any(_is_summary(w) for w in wx + wy):
        return None
    if rest_x:
        return " ".join(rest_x)
    if set(wx) <= OHLC_WORDS and set(wy) <= OHLC_WORDS and _price_table(columns):
        return "price"
    return None


def quantity_key(name: str, columns: Collection[str] = ()) -> tuple[str, ...] | None:
    """What :func:`shared_quantity` compares: the column name's words less its summary
    words (``("radius",)`` for 'mean radius'), ``("price",)`` for a bare open/high/low/close
    of a table of prices (``columns``), None for a name of summary words only."""
    words = _words(name)
    rest = tuple(w for w in words if not _is_summary(w))
    if rest:
        return rest
    if words and set(words) <= OHLC_WORDS and _price_table(columns):
        return ("price",)
    return None


def _has_summary_word(name: str) -> bool:
    return any(_is_summary(w) for w in _words(name))


ONE_QUANTITY_RULE = (
    "findings about several summaries of one quantity ({quantity!r}: {columns}) in the same "
    "setting are one fact: the first is kept at its severity, the others are at most low"
)


def one_per_quantity(
    findings: list[dict], measure, context=lambda f: None, columns: Collection[str] = ()
) -> list[dict]:
    """Cap at low every medium/high finding whose measure column summarises the same
    quantity, in the same ``context``, as an earlier medium/high finding of the list.

    Why: a price's open, high, low and close all differ across a trading signal, and all
    shift on the same week: four headline findings for one fact. The list's order decides
    which one leads (analyses pass their strongest-first order). ``measure(f)``: the
    finding's measure column; ``context(f)``: what else must match (the grouping column,
    the time column); ``columns``: the table's column names (see :func:`quantity_key`).
    Changes findings in place and returns the list.
    """
    groups: dict[tuple, list[dict]] = {}
    for f in findings:
        if f["severity"] not in ("medium", "high"):
            continue
        key = quantity_key(measure(f), columns)
        if key is not None:
            groups.setdefault((key, context(f)), []).append(f)
    for (key, _), members in groups.items():
        names = sorted({measure(f) for f in members})
        if len(names) < 2 or not any(_has_summary_word(n) for n in names):
            continue
        rule = ONE_QUANTITY_RULE.format(
            quantity=" ".join(key), columns=", ".join(repr(n) for n in names)
        )
        lead = measure(members[0])
        for f in members[1:]:
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = rule
            f["evidence"]["parameters"]["same_fact_as"] = lead
    return findings


def _segments(name: str) -> list[str]:
    return [s for s in name.lower().split("_") if s]


def _names_column(segment: str, column: str) -> bool:
    """``segment`` of a product column's name stands for ``column``: equal, or a prefix
    covering most of it (``AVSAL`` for ``AVSALK``)."""
    column = column.lower()
    return column.startswith(segment) and len(segment) >= max(2, 0.6 * len(column))


def _factors(name: str, columns) -> frozenset[str]:
    """The columns a product column's name joins (``PERSPEN_PCTAF`` -> {PERSPEN, PCTAF}
    when both, or columns they abbreviate, exist), else just the column itself."""
    segs = _segments(name)
    if len(segs) >= 2:
        named = []
        for seg in segs:
            match = [c for c in columns if c != name and _names_column(seg, c)]
            if not match:
                return frozenset({name})
            named.append(min(match, key=len))
        return frozenset(named)
    return frozenset({name})


def is_product(name: str, columns) -> bool:
    """Whether ``name`` joins the names of two or more other columns (``PERSPEN_PTRATIO``):
    an interaction term, whose correlations come from its factors."""
    return len(_factors(name, columns)) >= 2


def built_from(x: str, y: str, columns) -> str | None:
    """What makes two columns products of the same factor (``PERMINTE_AVYRSEXP`` beside
    ``PERMINTE``, or beside ``PERMINTE_AVSAL``), or None.

    Why: modelling tables carry interaction terms (products of their columns, named by
    joining the names with ``_``) beside the columns; a product correlates with its factors,
    and with other products of a factor, by construction: not an effect to act on.
    """
    for product, factor in ((x, y), (y, x)):
        # COUTAX_FEMALEUNEMP beside COUTAX: a product of the other column and a factor
        # whose name is not a column's (female unemployment is UNEMPF)
        segs = _segments(product)
        if (
            len(segs) >= 2
            and len(_segments(factor)) == 1
            and any(_names_column(seg, factor) for seg in segs)
        ):
            return repr(factor)
    fx, fy = _factors(x, columns), _factors(y, columns)
    if len(fx) < 2 and len(fy) < 2:
        return None
    common = sorted(fx & fy)
    if not common:
        return None
    return ", ".join(repr(c) for c in common)


#: a column name ending in a period: a year (1800..2099) or a two-digit season (86, 87)
_PERIOD_NAME = re.compile(r"^(?P<stem>.*?)[ _.-]?(?P<period>(?:18|19|20)\d\d|\d{2,3})$")


#: a name part that marks when a measure was taken: a number with a time unit
#: (``pacu30min``, ``postOp4hour``, ``pod1am``, ``bdi.2m``), a numbered visit or wave
#: (``day1``, ``t0``, ``visit2``), or a word for before / after
_TIME_MARK = re.compile(
    r"\d+(?:h|hr|hrs|hour|hours|min|mins|minute|minutes|m|mo|mon|month|months|d|day|days|"
    r"w|wk|wks|week|weeks|y|yr|yrs|year|years|am|pm)$|"
    r"^(?:day|week|month|year|visit|wave|time|t|v|w|wk|m|d|y)\d+$",
    re.IGNORECASE,
)
_TIME_WORDS = frozenset(
    "pre post before after base baseline bl initial final start end followup fu preop "
    "postop admission discharge entry exit".split()
)


def _time_point(part: str) -> bool:
    return part.lower() in _TIME_WORDS or _TIME_MARK.search(part) is not None


def _time_points(x: str, y: str) -> tuple[str, str, str] | None:
    """(stem, when x, when y) when two names differ only in the one part that says when a
    measure was taken (``pacu30min_cough`` and ``pacu90min_cough``, ``bdi.pre`` and
    ``bdi.2m``), the parts they share naming the measure (3 letters or more), else None.
    Parts are split at spaces, underscores, dots and hyphens."""
    px, py = re.split(r"[ _.\-]+", x.strip()), re.split(r"[ _.\-]+", y.strip())
    if len(px) != len(py) or len(px) < 2:
        return None
    differ = [k for k, (a, b) in enumerate(zip(px, py, strict=True)) if a.lower() != b.lower()]
    if len(differ) != 1:
        return None
    k = differ[0]
    shared = [p for n, p in enumerate(px) if n != k]
    if sum(ch.isalpha() for p in shared for ch in p) < 3:
        return None
    if not (_time_point(px[k]) and _time_point(py[k])):
        return None
    return "_".join(shared), px[k], py[k]


_MONTHS = (
    "january february march april may june july august september october november december"
).split()
#: a column name that is a month (``JAN``, ``March``), alone or after a stem and a separator
_MONTH_NAME = re.compile(
    r"^(?:(?P<stem>.*?)[ _.-])?(?P<period>"
    + "|".join(sorted({m[:3] for m in _MONTHS} | set(_MONTHS) | {"sept"}, key=len, reverse=True))
    + r")$",
    re.IGNORECASE,
)

PERIODS_RULE = (
    "{stem!s} in {a} and in {b}: one measure of the same units in two periods (a wide "
    "table's columns: 1960, 1961, ...; team86, team87), which agree by persistence; "
    "severity at most low"
)


def same_measure_two_periods(x: str, y: str) -> tuple[str, str, str] | None:
    """(stem, period of x, period of y) when two column names are one measure in two
    periods, else None: ``1960`` and ``1961`` (a wide table of years), ``team86`` and
    ``team87``, ``pop_2000`` and ``pop_2010``, ``BILLS103`` and ``BILLS104`` (two
    congresses), ``JAN`` and ``FEB``.

    Why: a wide export stores one measure per period as columns; the same units' values
    in two periods agree by persistence (a country's fertility in 2004 and 2005, a player's
    team in 1986 and 1987), which is the table's layout, not an effect. Two-digit periods
    need a stem of letters (``x1``/``x2`` or ``v12``/``v13`` are feature numbers, not
    seasons) and differ by at most 10; three-digit ones a stem of 3 letters or more.
    """
    points = _time_points(x, y)
    if points is not None:
        return points
    months = _MONTH_NAME.match(x.strip()), _MONTH_NAME.match(y.strip())
    if months[0] is not None and months[1] is not None:
        # a wide table of months (El Nino's JAN..DEC sea temperatures by year)
        stems = [(m["stem"] or "").lower() for m in months]
        px, py = (m["period"] for m in months)
        if stems[0] == stems[1] and px.lower()[:3] != py.lower()[:3]:
            return months[0]["stem"] or "", px, py
        return None
    mx, my = _PERIOD_NAME.match(x.strip()), _PERIOD_NAME.match(y.strip())
    for bare, dated in ((x.strip(), my), (y.strip(), mx)):
        # a survey's first wave unsuffixed beside a later one (Griliches' age and age80):
        # a year-like suffix only (1940s on, or four digits; pop16 is no wave)
        if (
            dated is not None
            and len(bare) >= 2
            and bare.isalpha()
            and dated["stem"].lower() == bare.lower()
            and (len(dated["period"]) == 4 or int(dated["period"]) >= 40)
        ):
            return dated["stem"], "the unsuffixed wave", dated["period"]
    if mx is None or my is None or mx["stem"].lower() != my["stem"].lower():
        return None
    px, py = mx["period"], my["period"]
    if px == py or len(px) != len(py):
        return None
    stem = mx["stem"]
    if len(px) == 2 and not (len(stem) >= 2 and stem.isalpha() and abs(int(px) - int(py)) <= 10):
        return None
    if len(px) == 3 and not (len(stem) >= 3 and stem.isalpha() and abs(int(px) - int(py)) <= 10):
        return None  # a congress or a wave numbered past 99 (BILLS103, BILLS104), not v101
    return stem, px, py


#: a flag named after a measure shares this many leading letters with it
FLAG_STEM = 3
#: ... or its last word, of at least this many letters (prevAllies, yearsAllies)
FLAG_WORD = 4


def _last_word(name: str) -> str:
    """The last word of a name split at camelCase and separators: yearsAllies -> allies."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name.strip())
    words = [w for w in re.split(r"[^A-Za-z]+", spaced.lower()) if w]
    return words[-1] if words else ""


#: whole column names (or their last word) of optional annotations, empty by design
ANNOTATION_WORDS = frozenset(
    {
        "note", "notes", "remark", "remarks", "comment", "comments", "memo", "annotation",
        # blizzard_salary's optional 'other_info'; a free 'details' or 'description' field
        "info", "details", "description", "explanation",
    }
)  # fmt: skip


def is_annotation(name: str) -> bool:
    """A note, remark, comment or memo column: written when someone saw fit, so its empty
    rows are no lost data and its values no grouping."""
    words = [w for w in re.split(r"[^a-z]+", name.lower()) if w]
    return bool(words) and words[-1] in ANNOTATION_WORDS


#: words naming a link to another record: trump_tweets' in_reply_to_user_id_str is empty
#: on every tweet that replies to nobody (88%, high, rated FALSE)
LINK_WORDS = frozenset(
    {
        "reply", "replied", "parent", "referrer", "referral", "retweeted", "quoted",
        "forwarded", "predecessor", "successor", "superseded", "supersedes", "replaces",
        "replaced",
    }
)  # fmt: skip


def is_optional_link(name: str) -> bool:
    """A column naming another record this row links to (the tweet it replies to, a
    parent, a referrer): empty where there is none, so its empty rows are no lost data."""
    return bool(name_tokens(name) & LINK_WORDS)


def _lag_stem(name: str) -> tuple[str, bool]:
    """The name less a trailing period number and its separators (logr3 -> logr,
    sales_lag1 -> sales), and whether there was one."""
    n = name.strip().lower()
    stem = n.rstrip("0123456789")
    numbered = stem != n
    stem = stem.rstrip("_.- ")
    if numbered and stem.endswith("lag"):
        stem = stem[:-3].rstrip("_.- ")
    return stem, numbered


def lagged_copies(a: str, b: str) -> bool:
    """logr and logr3, logr1 and logr4, sales and sales_lag1: one series and its lags (or
    two lags of it), named by the same stem and a period number. Within a panel's short
    units their correlation is biased towards -1/(T-1) (Nickell 1981): a "reversal" of it
    is the demeaning, not the data."""
    stem_a, num_a = _lag_stem(a)
    stem_b, num_b = _lag_stem(b)
    return bool(num_a or num_b) and stem_a == stem_b and sum(ch.isalpha() for ch in stem_a) >= 2


#: the rule as the analyses' method texts state it
PARALLEL_METHOD = (
    "A finding equal in every statistic to an earlier one between numbered copies of its "
    "columns (names alike but for their numbers: 'pollution4' across 'fuel4' beside "
    "'pollution3' across 'fuel3') is that finding again: at most low (same_fact_as; "
    "columns of one number lead)"
)


def _numbered(name: str) -> bool:
    """A name ending in a number after a stem (loc10, q2, x1)."""
    stem = name.rstrip("0123456789")
    return bool(stem) and stem != name


def named_after(flag: str, measure: str) -> bool:
    """node4 and nodes, age80 and age, highinc and inc, prevAllies and yearsAllies: a flag
    named after a measure (the measure's letters inside the flag's, the same first
    FLAG_STEM letters, or the same last word of FLAG_WORD letters or more). Such a
    flag is a cut of the measure (``quality.flag_consistency`` checks it row by row)."""
    last = [_last_word(flag), _last_word(measure)]
    if last[0] == last[1] and len(last[0]) >= FLAG_WORD and flag.strip() != measure.strip():
        return True  # Quarrels' prevAllies (allied before) and yearsAllies (for how long)
    a, b = flag.strip().lower(), measure.strip().lower()
    if a.rstrip("0123456789") == b and a != b:
        return True  # uis' IV3 (IV == 3) beside IV
    if _numbered(a) and _numbered(b) and a.rstrip("0123456789") == b.rstrip("0123456789"):
        return False  # cf's loc10 and loc16, a survey's q1 and q2: siblings of a series
    letters_a = "".join(ch for ch in a if ch.isalpha())
    letters_b = "".join(ch for ch in b if ch.isalpha())
    if len(letters_b) >= FLAG_STEM and letters_b in letters_a:
        return True
    return len(a) >= FLAG_STEM and len(b) >= FLAG_STEM and a[:FLAG_STEM] == b[:FLAG_STEM]


# -- the same relation again: pairs of numbered columns ---------------------------------

#: a column name ending in a number: the stem and the number ('speed2' -> ('speed', 2),
#: 'loc19.a1' -> ('loc19.a', 1)); the stem must end in a letter or a separator
_NUMBERED = re.compile(r"^(.*[A-Za-z._])(\d{1,3})$")

PARALLEL_RULE = (
    "the same relation, to the last digit, between numbered columns that copy the columns "
    "of an earlier finding (names alike but for their numbers, every statistic equal: "
    "'pollution4' across 'fuel4' where 'pollution3' across 'fuel3' was found, the "
    "attributes of a stated-choice table's alternatives written twice) is that finding "
    "again: the first (columns of one number first, then strongest) keeps its severity, "
    "the others are at most low"
)


def _numbered(name: str) -> tuple[str, int] | None:
    m = _NUMBERED.match(name.strip())
    return (m.group(1).lower(), int(m.group(2))) if m else None


def _statistics(finding: dict) -> tuple:
    """The finding's numbers, in key order: equal for the same relation between copies."""
    values = finding.get("measurement", {}).get("values", {})
    return tuple(
        (k, v) for k, v in sorted(values.items()) if isinstance(v, int | float) or v is None
    )


def one_per_parallel(findings: list[dict], columns_of) -> list[dict]:
    """Cap at low every medium/high finding that restates an earlier one between copies of
    its columns (see PARALLEL_RULE).

    Why: Car, a stated-choice table, writes each alternative's attributes twice
    ('pollution3' = 'pollution4', 'fuel3' = 'fuel4', 'speed1' = 'speed2'): 'pollution4'
    across 'fuel4' and 'speed2' across 'fuel2' were medium beside their originals, rated
    FALSE as the same fact again. Every column of a finding must be numbered with at least
    two stems, the two findings must share at least two stems and half of the smaller's,
    and every statistic must be equal (a different relation between other numbers, a
    weight loss in month 2 and self-esteem in month 3 beside month 3's, is its own fact).
    Of such findings, one whose columns share one number leads, then the list's order.
    ``columns_of(f)``: the finding's columns, or None to leave it alone. Changes findings
    in place."""
    candidates = []
    for f in findings:
        if f["severity"] not in ("medium", "high"):
            continue
        columns = columns_of(f)
        numbered = [_numbered(c) for c in columns] if columns else [None]
        if None in numbered:
            continue
        stems = {s for s, _ in numbered}
        if len(stems) < 2:
            continue
        aligned = len({i for _, i in numbered}) == 1
        candidates.append((not aligned, len(candidates), f, frozenset(stems), _statistics(f)))
    kept: list[tuple[frozenset, tuple, dict]] = []
    for _, _, f, stems, numbers in sorted(candidates, key=lambda c: c[:2]):
        lead = next(
            (
                g
                for s, n, g in kept
                if n == numbers
                and len(s & stems) >= 2
                and 2 * len(s & stems) >= min(len(s), len(stems))
            ),
            None,
        )
        if lead is None:
            kept.append((stems, numbers, f))
            continue
        f["severity"] = "low"
        f["evidence"]["parameters"]["severity_capped"] = PARALLEL_RULE
        f["evidence"]["parameters"]["same_fact_as"] = columns_of(lead)
    return findings


# -- a table of alternatives: the same attributes numbered per alternative ---------------

#: a wide table repeats at least this many attributes (stems) for at least this many
#: numbers (alternatives, periods): Car's type1..type6, fuel1..fuel6, price1..price6
WIDE_MIN_STEMS = 3
WIDE_MIN_NUMBERS = 3

CROSS_RULE = (
    "the attributes of two different alternatives of a wide table (the same attributes "
    "numbered per alternative: 'type1'..'type6', 'fuel1'..'fuel6'; a stated-choice design, "
    "or one measure per period) are set together by its design or persist from one to the "
    "next: 'type2' with 'fuel3' is no relation of a type and a fuel (two attributes of "
    "two alternatives; one attribute across alternatives is left alone: the items of a "
    "battery); severity at most low"
)


#: the rule as the analyses' method texts state it
CROSS_METHOD = (
    f"In a wide table (at least {WIDE_MIN_STEMS} attributes numbered alike for at least "
    f"{WIDE_MIN_NUMBERS} numbers: 'type1'..'type6', 'fuel1'..'fuel6'), a finding between "
    "two attributes with different numbers ('type2' and 'fuel3': two alternatives of a "
    "stated-choice design, or two periods) is at most low"
)


def wide_layout(columns: Collection[str]) -> dict[str, tuple[str, int]]:
    """The columns of a table's repeated block: name -> (stem, number) for numbered
    columns whose stem is one of at least WIDE_MIN_STEMS stems that all carry the same at
    least WIDE_MIN_NUMBERS numbers; empty when the table has no such block."""
    numbered = {c: _numbered(c) for c in columns}
    by_stem: dict[str, set[int]] = {}
    for parsed in numbered.values():
        if parsed is not None:
            by_stem.setdefault(parsed[0], set()).add(parsed[1])
    wide = {s: n for s, n in by_stem.items() if len(n) >= WIDE_MIN_NUMBERS}
    if len(wide) < WIDE_MIN_STEMS:
        return {}
    shared = set.intersection(*wide.values())
    if len(shared) < WIDE_MIN_NUMBERS:
        return {}
    return {
        c: parsed
        for c, parsed in numbered.items()
        if parsed is not None and parsed[0] in wide and parsed[1] in shared
    }


def cap_cross_alternatives(
    findings: list[dict], columns_of, table_columns: Collection[str]
) -> list[dict]:
    """Cap at low every medium/high finding between two columns of a wide table's block
    (:func:`wide_layout`) with different numbers (see CROSS_RULE).

    Why: Car, a stated-choice table of six alternatives, had 'type2' with 'fuel3' and
    'pollution1' across 'type2' at medium, 9 findings rated FALSE as the design of the
    experiment; an alternative's own attributes ('speed1' across 'fuel1') were the true
    ones. One attribute across alternatives ('type2' with 'type4') is left alone: bfi's
    items 'N1'..'N5' form the same layout, and N1 with N2 is its neuroticism scale. ``columns_of(f)``: the finding's two columns, or None to leave it
    alone. Changes findings in place."""
    layout = wide_layout(table_columns)
    if not layout:
        return findings
    for f in findings:
        if f["severity"] not in ("medium", "high"):
            continue
        columns = columns_of(f)
        if not columns or len(columns) != 2 or not all(c in layout for c in columns):
            continue
        (stem_a, number_a), (stem_b, number_b) = layout[columns[0]], layout[columns[1]]
        # one attribute across alternatives ('type2', 'type4') is left alone: in a battery
        # of items ('N1'..'N5' of bfi's neuroticism) those are the scale's own items
        if number_a != number_b and stem_a != stem_b:
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = CROSS_RULE
    return findings


#: a level that says the value is not known: 'Unknown', 'Not recorded', 'Refused', 'nk', a
#: placeholder of punctuation ('*', '?', '--') or of missing-value words ('NA_NA')
UNKNOWN_LABEL = re.compile(
    r"^(?:unknown|unk|not known|not recorded|not stated|not reported|not available|"
    r"unavailable|missing|undetermined|unspecified|refused|no answer|don'?t know|"
    # monica's 'nk' (not known) in seven yes/no histories; 'dk' (don't know)
    r"nk|n/k|dk|d/k|"
    r"(?:n/?a|nan|null)(?:[\s_./|-]+(?:n/?a|nan|null))*|[\W_]+)$",
    re.IGNORECASE,
)


def unknown_level(value) -> bool:
    """Whether a category's level says its value is not known (``UNKNOWN_LABEL``)."""
    return isinstance(value, str) and UNKNOWN_LABEL.match(value.strip()) is not None


_NUMBERED = re.compile(r"^(?P<stem>.*?[A-Za-z_.])(?P<number>\d+)$")
#: a stem numbered at least this many times is a wide series of copies (wk1, wk2, wk3
#: ...); nswdemo's re74, re75, re78 (three years of earnings) are three measures still
NUMBERED_SERIES_MIN = 6


def numbered_series(names) -> dict[str, str]:
    """Column -> stem for columns that are numbered copies of one measure: the same stem
    with a trailing number, at least NUMBERED_SERIES_MIN of them (billboard's wk1..wk76, a
    panel's x1990..x1999).

    Why: a wide table keeps one measure per period (or per item) as columns; relations
    between its copies are the layout (persistence, attrition), said once, not per pair."""
    stems: dict[str, list[str]] = {}
    for name in names:
        m = _NUMBERED.match(name.strip())
        if m:
            stems.setdefault(m["stem"].lower(), []).append(name)
    return {
        name: stem
        for stem, members in stems.items()
        if len(members) >= NUMBERED_SERIES_MIN
        for name in members
    }


def attrition_series(columns) -> dict[str, str]:
    """Column -> stem for the :func:`numbered_series` whose missing values grow with the
    number and never shrink (billboard's wk1..wk76: 0, 5, 10, ... 317 songs off the
    chart; cgd0's etime1..etime7, one column per infection): units leaving the table
    period by period. ``columns``: the dataset's ColumnInfo (name, null_count). Not a
    row of electrodes whose readings go missing where they saturate (neuro's V1..V6:
    429, 51, 0, 1, 24, 379 missing)."""
    columns = list(columns)
    series = numbered_series(c.name for c in columns)
    nulls = {c.name: c.null_count for c in columns}
    members: dict[str, list[tuple[int, str]]] = {}
    for name, stem in series.items():
        number = int(_NUMBERED.match(name.strip())["number"])
        members.setdefault(stem, []).append((number, name))
    out = {}
    for stem, named in members.items():
        counts = [nulls[name] for _, name in sorted(named)]
        if counts[-1] > counts[0] and all(a <= b for a, b in pairwise(counts)):
            out.update({name: stem for _, name in named})
    return out
