"""clustered_rows: the share of a measure's variance between the groups of a key with many
levels (pupils in schools, answers by interviewer), as ICC(1) of a one-way ANOVA from
exact sums (issue: findings an expert acts on)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame


def analysis():
    return Registry.builtin().get("clustered_rows")


def pupils(seed: int = 5, schools: int = 60, per: int = 30, between_sd: float = 0.5):
    """Scores with a school effect (ICC about between_sd^2 / (between_sd^2 + 1)); the
    school's size is an attribute, repeated on each pupil's row."""
    rng = np.random.default_rng(seed)
    school = np.repeat(np.arange(101, 101 + schools), per)
    effect = rng.normal(0, between_sd, schools)[school - 101]
    return pd.DataFrame(
        {
            "score": 500 + 40 * (effect + rng.normal(0, 1, school.size)),
            "hours": rng.normal(20, 4, school.size),
            "schid": school,
            "size": np.repeat(rng.integers(200, 900, schools), per),
        }
    ).sample(frac=1, random_state=seed)


def reference_icc(frame: pd.DataFrame, key: str, measure: str) -> float:
    """ICC(1) from pandas' group means, the textbook one-way ANOVA."""
    d = frame[[key, measure]].dropna()
    groups = d.groupby(key)[measure]
    n_g, mean_g = groups.size(), groups.mean()
    k, n = len(n_g), len(d)
    ssb = float((n_g * (mean_g - d[measure].mean()) ** 2).sum())
    ssw = float(((d[measure] - groups.transform("mean")) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - float((n_g**2).sum()) / n) / (k - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw)


def only(result) -> dict:
    found = [f for f in result.findings if f["kind"] == "clustered_rows"]
    assert len(found) == 1, found
    return found[0]


def test_scores_clustered_by_school_are_medium_and_match_pandas() -> None:
    frame = pupils()
    finding = only(run_on_frame(analysis(), frame))
    values = finding["measurement"]["values"]
    assert finding["severity"] == "medium"
    assert finding["subject"]["column"] == "schid"
    assert finding["subject"]["clustered"] == ["score"]
    assert finding["subject"]["constant_within"] == ["size"]
    assert values["icc[score]"] == pytest.approx(reference_icc(frame, "schid", "score"), 1e-12)
    assert values["icc[score]"] > 0.15
    assert abs(values["icc[hours]"]) < MEDIUM
    assert finding["title"].startswith("'score' clusters by 'schid' (60 groups of 30 rows")


MEDIUM = 0.1


def test_no_school_effect_is_info_and_attributes_alone_are_low() -> None:
    frame = pupils(between_sd=0.0)
    finding = only(run_on_frame(analysis(), frame))
    assert finding["severity"] == "low"
    assert "constant within each 'schid'" in finding["title"]
    finding = only(run_on_frame(analysis(), frame.drop(columns="size")))
    assert finding["severity"] == "info"


def test_a_panel_over_time_is_left_to_panel_trends() -> None:
    """Schools observed over 30 years are a panel's units: no finding. A date that is one
    per school (cgd's randomisation date, one per patient) leaves the clustering."""
    frame = pupils().sample(frac=0.8, random_state=2)  # unequal sizes: no panel entity
    frame["year"] = np.random.default_rng(3).integers(1991, 2021, len(frame))
    result = run_on_frame(analysis(), frame)
    assert result is not None  # schid is a key here ...
    assert not [f for f in result.findings if f["kind"] == "clustered_rows"]  # ... over time
    dated = pupils().sample(frac=0.8, random_state=1)  # schools of unequal sizes
    entry = pd.Timestamp("2001-01-01") + pd.to_timedelta((dated["schid"] - 101) * 7, unit="D")
    dated["entered"] = entry
    finding = only(run_on_frame(analysis(), dated))
    assert finding["severity"] == "medium" and finding["subject"]["clustered"] == ["score"]
    # KosteckiDillon: a diary's day numbers ('dos', day of study) are no measure that
    # 'clusters by id' (rater BG); the unit's own measure still does
    diary = pupils().sample(frac=0.8, random_state=2)
    diary["dos"] = (diary.groupby("schid").cumcount() + 1) * 1.0
    diary["dos"] += (diary["schid"] % 5) * 15  # units start on different days
    finding = only(run_on_frame(analysis(), diary))
    assert finding["subject"]["clustered"] == ["score"], finding["title"]


def test_the_result_does_not_depend_on_chunking() -> None:
    frame = pupils(seed=9)
    one = run_on_frame(analysis(), frame, chunk_rows=65536)
    many = run_on_frame(analysis(), frame, chunk_rows=97, batch_size=97)

    def facts(result) -> str:
        keep = ("title", "severity", "subject", "measurement")
        return json.dumps([{k: f[k] for k in keep} for f in result.findings], sort_keys=True)

    assert facts(one) == facts(many)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from("ab")),
        min_size=12,
        max_size=60,
    ),
    st.integers(1, 11),
)
def test_merging_chunk_states_in_any_split_gives_the_same_state(rows, cut) -> None:
    """The per-group exact sums and min/max merge to the same state however the rows are
    split between two chunks (the property the Dask engine's tree merge relies on)."""
    from types import SimpleNamespace

    import pyarrow as pa

    a = analysis()
    frame = pd.DataFrame(rows, columns=["k", "x", "f"])
    ctx = SimpleNamespace(params={"keys": ["k"], "measures": ["x"], "factors": ["f"]})

    def chunk(part: pd.DataFrame):
        table = pa.Table.from_pandas(part, preserve_index=False)
        return SimpleNamespace(
            table=table, floats=lambda name: table.column(name).to_numpy().astype(float)
        )

    whole = a.update(a.init(ctx), chunk(frame), ctx)
    split = a.merge(
        a.update(a.init(ctx), chunk(frame.iloc[:cut]), ctx),
        a.update(a.init(ctx), chunk(frame.iloc[cut:]), ctx),
        ctx,
    )
    assert whole == split


def test_a_measure_whose_squares_overflow_is_left_out_and_said() -> None:
    """Values near 1e300 square to inf in float64: such a measure cannot be summed here, and
    the evidence says it was left out instead of dropping it silently."""
    frame = pupils()
    frame["huge"] = np.round(frame["score"]) * 1e298
    finding = only(run_on_frame(analysis(), frame))
    assert finding["evidence"]["left_out"] == {"squares_overflow_float64": ["huge"]}
    assert "icc[huge]" not in finding["measurement"]["values"]
    assert "icc[score]" in finding["measurement"]["values"]


def test_a_yes_no_answer_clusters_by_its_unit_too() -> None:
    """ohio: wheeze (0/1) at four ages of 537 children: a child who wheezes at one age
    wheezes at the others (ICC 0.35). A flag is analysed as the 0/1 measure it is."""
    rng = np.random.default_rng(17)
    children, ages = 400, 4
    prone = np.repeat(rng.random(children) < 0.3, ages)
    resp = np.where(prone, rng.random(children * ages) < 0.6, rng.random(children * ages) < 0.05)
    frame = pd.DataFrame(
        {"id": np.repeat(np.arange(1, children + 1), ages), "resp": resp.astype(int)}
    )
    finding = only(run_on_frame(analysis(), frame))
    assert finding["severity"] == "medium"
    assert finding["title"].startswith("'resp' clusters by 'id'")
    assert finding["measurement"]["values"]["icc[resp]"] == pytest.approx(
        reference_icc(frame, "id", "resp"), rel=1e-9
    )


def soil_cores(seed: int = 4) -> pd.DataFrame:
    """Soils: 12 cells of Contour x Depth, 4 blocks each, numbered 'Group' 1..12 and coded
    'Gp' T0..S6; the measures differ by depth."""
    rng = np.random.default_rng(seed)
    contour, depth, block = np.meshgrid(range(3), range(4), range(4), indexing="ij")
    contour, depth, block = contour.ravel(), depth.ravel(), block.ravel()
    return pd.DataFrame(
        {
            "Group": 1 + contour * 4 + depth,
            "Contour": np.array(["Top", "Slope", "Depression"])[contour],
            "Depth": np.array(["0-10", "10-30", "30-60", "60-90"])[depth],
            "Block": block + 1,
            "pH": 5.5 - 0.4 * depth + rng.normal(0, 0.2, depth.size),
            "Ca": 12 - 2.5 * depth + rng.normal(0, 1.0, depth.size),
        }
    )


def test_a_key_that_numbers_the_cells_of_the_design_gets_no_icc() -> None:
    """Soils' 'Group' numbers the cells of Contour x Depth: its 'ICC' restates the depth
    effect group_differences reports. A key nested in a coarser factor (schools within
    districts) is still a key whose groups cluster."""
    frame = soil_cores()
    result = run_on_frame(analysis(), frame)
    assert result is None or not [f for f in result.findings if f["kind"] == "clustered_rows"]
    coded = frame.drop(columns=["Contour", "Depth"]).assign(
        Gp=lambda d: "G" + d["Group"].astype(str)
    )  # one factor with as many levels as the key: a relabelling
    result = run_on_frame(analysis(), coded)
    assert result is None or not [f for f in result.findings if f["kind"] == "clustered_rows"]
    nested = pupils()
    nested["district"] = np.array(["north", "south", "east"])[(nested["schid"] - 101) % 3]
    assert only(run_on_frame(analysis(), nested))["severity"] == "medium"


def test_the_strata_of_a_matched_experiment_are_low() -> None:
    """RockTheVote: 40 strata, each a treated and a control cable system matched on past
    turnout: turnout alike within a stratum is the design, said at low. The same table
    without a trial's arm keeps its medium."""
    rng = np.random.default_rng(8)
    strata = np.repeat(np.arange(1, 41), 2)
    level = np.repeat(rng.normal(0.6, 0.1, 40), 2)
    frame = pd.DataFrame(
        {
            "strata": strata,
            "treated": np.tile([0, 1], 40),
            "p": level + rng.normal(0, 0.03, 80),
        }
    )
    finding = only(run_on_frame(analysis(), frame))
    assert finding["severity"] == "low"
    assert "'treated' varies within its groups: the strata of a matched design" in finding["title"]
    assert finding["measurement"]["values"]["matched_by"] == "treated"
    plain = frame.rename(columns={"treated": "cable"})
    assert only(run_on_frame(analysis(), plain))["severity"] == "medium"


def test_a_measure_nearly_constant_within_each_group_is_an_attribute() -> None:
    """kidney: a patient's age on each of his two infections (the same, or one year more):
    ICC 1.00 is an attribute of the patient, not a clustering; alone it makes the finding
    low. A measure that clusters beside it keeps the finding medium."""
    rng = np.random.default_rng(6)
    patients = 60
    age = np.repeat(rng.integers(10, 70, patients), 2) + np.tile([0, 1], patients)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(1, patients + 1), 2),
            "age": age,
            "time": rng.exponential(100, 2 * patients),
        }
    )
    finding = only(run_on_frame(analysis(), frame))
    assert finding["severity"] == "low"
    assert finding["subject"]["nearly_constant_within"] == ["age"]
    assert finding["title"].startswith("'age' nearly constant within each 'id'")
    frame["frail"] = np.repeat(rng.normal(0, 1, patients), 2) + rng.normal(0, 0.7, 2 * patients)
    finding = only(run_on_frame(analysis(), frame))
    assert finding["severity"] == "medium" and finding["subject"]["clustered"] == ["frail"]


def test_one_grouping_under_two_names_is_reported_once() -> None:
    """radon: 'county' and 'county.name' split the homes the same way; the same ICC was
    two medium findings. The second name is low, same_fact_as the first."""
    frame = pupils(schools=120, per=10)  # more schools than group_differences compares
    frame["school_name"] = "school " + frame["schid"].astype(str)
    found = {
        f["subject"]["column"]: f
        for f in run_on_frame(analysis(), frame).findings
        if f["kind"] == "clustered_rows"
    }
    assert found["schid"]["severity"] == "medium"
    named = found["school_name"]
    assert named["severity"] == "low"
    assert named["evidence"]["parameters"]["same_fact_as"] == "schid"
    assert "one grouping under two names" in named["evidence"]["parameters"]["severity_capped"]


def test_a_measure_seen_once_in_most_groups_is_not_clustered() -> None:
    """ucla_textbooks_f18: 201 books in 75 subjects, but a used price on 72 rows in 46
    subjects (1.57 a subject): an ICC of 0.83 resting on the few repeated subjects, titled
    '75 groups of 2.68 rows' (rater set 65). A measure with fewer than 2 rows a group is
    not fitted; the title gives the clustered measure's own groups and rows."""
    frame = pupils(schools=60, per=4, between_sd=2.0)
    sparse = frame["score"].to_numpy().copy()
    keep = np.zeros(sparse.size, dtype=bool)
    first = ~frame["schid"].duplicated().to_numpy()
    keep[first] = True  # one score per school ...
    keep[np.flatnonzero(~first)[:30]] = True  # ... and 30 more
    frame = frame.assign(sparse=np.where(keep, sparse, np.nan))
    finding = only(run_on_frame(analysis(), frame))
    assert "icc[sparse]" not in finding["measurement"]["values"]
    assert finding["subject"]["clustered"] == ["score"]
    thinned = frame.assign(score=np.where(np.arange(len(frame)) % 4 == 0, np.nan, frame["score"]))
    finding = only(run_on_frame(analysis(), thinned))
    assert finding["subject"]["clustered"] == ["score"]
    assert finding["title"].startswith(
        "'score' clusters by 'schid' (60 groups of 3 rows with 'score'"
    )
